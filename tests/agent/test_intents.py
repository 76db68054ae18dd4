"""The offline model's reading of a message: one intent, the same every time."""

from __future__ import annotations

import pytest

from agent.intents import Intent, asks_for_one_seat, classify, is_english

CASES: list[tuple[str, Intent]] = [
    ("Can I get a refund please?", "refund"),
    ("I just want my money back.", "refund"),
    ("I cannot log in to my account", "lost_access"),
    ("I'm locked out of my account", "lost_access"),
    ("Please transfer my licence to bo@example.com", "transfer"),
    ("Please transfer my license to ann@example.com", "unclear"),
    ("This is a scam, I want a refund", "angry"),
    ("WHY DOES NOTHING WORK", "angry"),
    ("Refund now!!!", "angry"),
    ("Bonjour, je voudrais un remboursement s'il vous plaît", "non_english"),
    ("Ich kann mich nicht mehr einloggen, bitte helfen Sie mir", "non_english"),
    ("您好, 我无法登录我的账户. 请帮帮我.", "non_english"),
    ("What's your office address?", "unclear"),
    ("Please change my email to ann@newmail.example", "email_change"),
    ("I have a new email address: ann@newmail.example", "email_change"),
    ("Please change my email", "unclear"),  # no new address to change it to
]


@pytest.mark.parametrize(("text", "intent"), CASES)
def test_classify(text: str, intent: Intent) -> None:
    assert classify(text, sender_email="ann@example.com") == intent


def test_short_messages_count_as_english() -> None:
    assert is_english("refund?")


@pytest.mark.parametrize(
    ("text", "one_seat"),
    [
        ("Move one seat to bo@example.com", True),
        ("Can you transfer a seat of our team licence to bo@example.com?", True),
        ("Transfer 1 of our seats to bo@example.com", True),
        ("Transfer the whole licence to bo@example.com", False),
    ],
)
def test_asks_for_one_seat(text: str, one_seat: bool) -> None:
    assert asks_for_one_seat(text) is one_seat
