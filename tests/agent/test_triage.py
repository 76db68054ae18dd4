"""Triage: each kind of mail by its headers, sender and words; the model settles mere hints."""

from __future__ import annotations

import anthropic
import pytest

from agent.client import make_model_client
from agent.triage import InboundMessage, Triage, TriageSettings, classify
from agent.triage_model import TRIAGE_TOOL, settle
from tests.agent import scripts
from tests.agent.anthropic_stand_in import StandInAPI

SETTINGS = TriageSettings()
ASK = "Hi, I bought the Pro plan yesterday by mistake. Can I get a refund, please?"


def mail(
    text: str = ASK, *, subject: str = "Question", sender: str = "ann@example.com", **headers: str
) -> InboundMessage:
    return InboundMessage(
        sender=sender,
        subject=subject,
        text=text,
        headers={name.replace("_", "-"): value for name, value in headers.items()},
    )


def test_a_plain_request_is_support_for_sure() -> None:
    assert classify(mail(), SETTINGS) == Triage(
        kind="support", reason="no sign of automated, outreach or legal mail"
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Auto-Submitted": "auto-replied"},
        {"auto-submitted": "auto-generated"},
        {"X-Autoreply": "yes"},
        {"Precedence": "bulk"},
        {"Precedence": "auto_reply"},
        {"List-Unsubscribe": "<mailto:unsub@news.example>"},
        {"Return-Path": "<>"},
        {"Content-Type": "multipart/report; report-type=delivery-status"},
    ],
)
def test_automatic_mail_is_known_by_its_headers_whatever_it_says(headers: dict[str, str]) -> None:
    verdict = classify(mail(**headers), SETTINGS)

    assert (verdict.kind, verdict.sure) == ("automated", True)


def test_auto_submitted_no_is_a_person_writing() -> None:
    assert classify(mail(Auto_Submitted="no"), SETTINGS).kind == "support"


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.example.com", "no-reply@shop.example", "noreply+x@a.io"]
)
def test_mail_from_no_reply_senders_is_automated(sender: str) -> None:
    assert classify(mail(sender=sender), SETTINGS).kind == "automated"


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Automatic reply: Refund", "Thanks for your email."),
        ("Out of Office", "Back on Monday."),
        ("Undeliverable: your message", "The recipient's mailbox is full."),
        ("Your receipt from Paddle #1234-5678", "Amount paid: $19.00"),
        ("Re: licence", "I am currently out of the office until 3 March with limited access."),
        ("Hello", "This is an automated message, please do not reply to this email."),
    ],
)
def test_auto_replies_receipts_and_bounces_are_known_by_their_words(
    subject: str, text: str
) -> None:
    assert classify(mail(text, subject=subject), SETTINGS).kind == "automated"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Refund me now or my lawyer will be in touch.", "legal threat"),
        ("I will take you to court over this licence.", "legal threat"),
        ("If this is not fixed today I will file a chargeback with my bank.", "chargeback"),
        ("I am going to dispute the charge with Visa.", "chargeback"),
    ],
)
def test_legal_threats_and_chargebacks_are_legal(text: str, reason: str) -> None:
    verdict = classify(mail(text), SETTINGS)

    assert (verdict.kind, verdict.sure) == ("legal", True)
    assert verdict.reason.startswith(reason)


def test_a_legal_threat_outranks_an_out_of_office_subject() -> None:
    verdict = classify(mail("My attorney will contact you.", subject="Out of office"), SETTINGS)

    assert verdict.kind == "legal"


def test_vendor_outreach_with_several_phrases_is_spam_for_sure() -> None:
    pitch = (
        "I came across your website and noticed you could rank on the first page of Google. "
        "Our agency offers link building and guest posts. Do you have time for a quick call?"
    )
    verdict = classify(mail(pitch, subject="Partnership"), SETTINGS)

    assert (verdict.kind, verdict.sure) == ("spam", True)


def test_one_outreach_phrase_is_only_a_hint() -> None:
    verdict = classify(mail("We help companies like yours grow. Reply to learn more."), SETTINGS)

    assert (verdict.kind, verdict.sure) == ("spam", False)


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        ("Licence", "Could we have a quick call about moving my licence?"),
        ("Invoice", "Can you send me an invoice for my Pro plan?"),
        ("Re: refund", "I am currently out of the office but I can't log in to my account."),
    ],
)
def test_a_hint_in_a_message_that_asks_something_leans_to_support(subject: str, text: str) -> None:
    verdict = classify(mail(text, subject=subject), SETTINGS)

    assert (verdict.kind, verdict.sure) == ("support", False)
    assert verdict.reason.endswith("but it asks something")


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hola, compré una licencia ayer por error. ¿Me pueden devolver el dinero?", "es"),
        ("Bonjour, je n'arrive plus à me connecter à mon compte depuis hier.", "fr"),
        ("Ich kann mich seit gestern nicht mehr bei meinem Konto anmelden.", "de"),
    ],
)
def test_a_message_not_in_the_apps_languages_is_foreign(text: str, language: str) -> None:
    verdict = classify(mail(text), SETTINGS)

    assert (verdict.kind, verdict.sure) == ("foreign_language", True)
    assert repr(language) in verdict.reason


def test_a_language_the_app_answers_in_is_support() -> None:
    text = "Hola, compré una licencia ayer por error. ¿Me pueden devolver el dinero?"

    assert classify(mail(text), TriageSettings(languages=("en", "es"))).kind == "support"


def test_a_few_words_say_nothing_about_the_language() -> None:
    assert classify(mail("Refund pls"), SETTINGS).kind == "support"


def test_fan_mail_without_a_request_is_personal() -> None:
    text = "Just wanted to say I love your app. Keep up the great work, all of you."
    verdict = classify(mail(text), SETTINGS)

    assert (verdict.kind, verdict.sure) == ("personal", True)


def test_fan_mail_that_asks_for_something_is_left_to_the_model() -> None:
    text = "Big fan of what you do! How do I move my licence to my new laptop?"
    verdict = classify(mail(text), SETTINGS)

    assert (verdict.kind, verdict.sure) == ("support", False)


def test_routes_default_to_no_draft_for_automated_and_spam_and_a_human_for_legal() -> None:
    routes = {kind: SETTINGS.route(kind) for kind in ("automated", "spam", "legal", "support")}

    assert routes == {"automated": "skip", "spam": "skip", "legal": "human", "support": "draft"}
    assert TriageSettings(routes={"spam": "human"}).route("spam") == "human"


async def test_a_sure_verdict_never_calls_the_model(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    sure = classify(mail(Auto_Submitted="auto-replied"), SETTINGS)

    settled = await settle(mail(), SETTINGS, sure, model_client=sdk_client, model=scripts.MODEL)

    assert settled == sure
    assert messages_api.requests == []


async def test_the_model_settles_a_hint_with_one_forced_tool_call(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    message = mail("We help companies like yours. Interested in my refund idea?")
    leaning = classify(message, SETTINGS)
    messages_api.play(
        scripts.message(scripts.tool("toolu_T", TRIAGE_TOOL, kind="support", reason="asks"))
    )

    settled = await settle(message, SETTINGS, leaning, model_client=sdk_client, model="m")

    assert settled == Triage(kind="support", reason="asks", by="model")
    request = messages_api.requests[0]
    assert request["tool_choice"] == {"type": "tool", "name": TRIAGE_TOOL}
    assert "<message>" in request["messages"][0]["content"]


async def test_a_malformed_model_answer_keeps_the_rules_leaning(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    leaning = classify(mail("We help companies like yours."), SETTINGS)
    messages_api.play(scripts.message(scripts.tool("toolu_T", TRIAGE_TOOL, kind="lunch")))

    settled = await settle(mail(), SETTINGS, leaning, model_client=sdk_client, model="m")

    assert settled == leaning


async def test_the_offline_model_keeps_the_rules_leaning() -> None:
    message = mail("We help companies like yours grow. Reply to learn more.")
    leaning = classify(message, SETTINGS)

    settled = await settle(
        message, SETTINGS, leaning, model_client=make_model_client(api_key=None), model="m"
    )

    assert (settled.kind, settled.by, settled.sure) == ("spam", "model", True)


@pytest.mark.parametrize(
    ("subject", "text"),
    [
        (
            "Quick question about your website",
            "I noticed issues holding back your Google rankings. We doubled organic traffic "
            "for others. Do you have 15 minutes this week for a quick call?",
        ),
        (
            "Hello",
            "We would love to list your app on our marketplace. We work on a 30% revenue share. "
            "Who should I talk to?",
        ),
        (
            "Collaboration",
            "I'd love to contribute a guest article with one do-follow link. We also offer "
            "paid placements. Interested?",
        ),
        (
            "You have been selected!!!",
            "Your company has been selected to receive 2.5 BTC. Enter your wallet details to "
            "claim your reward today.",
        ),
    ],
)
def test_a_pitch_that_asks_a_question_is_still_spam(subject: str, text: str) -> None:
    verdict = classify(mail(text, subject=subject), SETTINGS)

    assert (verdict.kind, verdict.sure) == ("spam", True)


def test_a_short_question_in_an_unspaced_script_is_foreign_language() -> None:
    # Japanese has no spaces: counted by words, this is a single one and too short to judge.
    text = "こんにちは。チームライセンスの価格を教えていただけますか。"

    assert classify(mail(text, subject="価格"), SETTINGS).kind == "foreign_language"


@pytest.mark.parametrize(
    "text",
    [
        "Under Article 17 of the GDPR I request the erasure of all personal data you hold.",
        "I am exercising my right to be forgotten. Delete everything.",
        "This is a data subject access request: send me what you hold on me.",
    ],
)
def test_a_data_protection_request_goes_to_a_person(text: str) -> None:
    assert classify(mail(text), SETTINGS).kind == "legal"


def test_a_question_that_mentions_gdpr_is_support() -> None:
    assert classify(mail("Are you GDPR compliant? Where is my data stored?"), SETTINGS).kind == (
        "support"
    )
