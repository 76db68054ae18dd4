"""Triage: what kind of mail a message is, before anyone drafts a reply to it.

Rules read the headers, the sender, the subject and the text. A rule that sees a clear sign
(an `Auto-Submitted` header, a lawyer, a Spanish letter to an English-only desk) is sure; one that
sees only a hint (a single outreach phrase) is not, and the model is asked to settle it
(`agent.triage_model`). Words alone never drop a message that asks something: out-of-office text
or a receipt subject beside a question leans towards support. With no sign of anything else, a
message is a support request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent.language import language_of

TriageKind = Literal["support", "automated", "spam", "personal", "legal", "foreign_language"]
TRIAGE_KINDS: tuple[TriageKind, ...] = (
    "support",
    "automated",
    "spam",
    "personal",
    "legal",
    "foreign_language",
)
# draft: the agent answers; skip: no draft, only a tag; human: a tag and a comment for a person.
Route = Literal["draft", "skip", "human"]
DecidedBy = Literal["rules", "model"]

DEFAULT_ROUTES: dict[TriageKind, Route] = {
    "support": "draft",
    "automated": "skip",
    "spam": "skip",
    "personal": "draft",
    "legal": "human",
    "foreign_language": "human",
}


class InboundMessage(BaseModel):
    """The customer's newest message as triage reads it; header names are lower-cased."""

    model_config = ConfigDict(frozen=True)

    sender: str
    subject: str = ""
    text: str
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("headers")
    @classmethod
    def _lower_names(cls, headers: dict[str, str]) -> dict[str, str]:
        return {name.lower(): value for name, value in headers.items()}


class TriageSettings(BaseModel):
    """An app's triage settings: the languages it answers in and what each kind of mail gets."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    languages: tuple[str, ...] = ("en",)
    routes: dict[TriageKind, Route] = Field(default_factory=lambda: dict(DEFAULT_ROUTES))

    def route(self, kind: TriageKind) -> Route:
        return self.routes.get(kind, DEFAULT_ROUTES[kind])


class Triage(BaseModel):
    """The kind of a message, why, and who said so; `sure` is False when only a hint was seen."""

    model_config = ConfigDict(frozen=True)

    kind: TriageKind
    reason: str
    by: DecidedBy = "rules"
    sure: bool = True


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_NO_REPLY_SENDER = re.compile(
    r"^(?:mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?|notifications?|"
    r"auto-?reply|autoresponder)(?:[+.-][^@]*)?@",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply", "auto-reply"})
_AUTOMATED_SUBJECT = _any(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?reply|autoreply|out of (?:the )?office)\b",
    r"\bundeliverable\b",
    r"\bdelivery status notification\b",
    r"\b(?:mail|message) delivery (?:failed|failure)\b",
    r"\breturned mail\b",
)
_RECEIPT_SUBJECT = _any(
    r"\byour (?:receipt|invoice|order confirmation)\b",
    r"^\s*(?:receipt|invoice|payment confirmation|order confirmation)\b",
)
_AUTOMATED_TEXT = _any(
    r"\bi(?: am|'m) (?:currently )?(?:out of (?:the )?office|away from (?:the )?office|on leave)",
    r"\bi will be out of (?:the )?office\b",
    r"\bthis is an automated (?:message|response|reply|email)\b",
    r"\bplease do not reply to this (?:e-?mail|message)\b",
    r"\b(?:could not|couldn't|was not|wasn't) be(?:en)? delivered\b",
    r"\bdelivery (?:has )?failed\b",
)
_LEGAL = _any(
    r"\b(?:my|our) (?:lawyer|attorney|solicitor|legal team|legal counsel)\b",
    r"\blegal action\b",
    r"\b(?:law ?suit|sue you|suing you|take you to court|small claims)\b",
    r"\bcease and desist\b",
    r"\bconsumer protection (?:agency|office|bureau)\b",
    r"\breport(?:ing)? you to the (?:ftc|bbb|better business bureau|authorities)\b",
    r"\barticle (?:15|17|20) of (?:the )?gdpr\b",
    r"\bgdpr article (?:15|17|20)\b",
    r"\bright to (?:erasure|be forgotten)\b",
    r"\berasure of (?:all )?(?:my |the )?personal data\b",
    r"\bdata subject (?:access )?request\b",
)
_CHARGEBACK = _any(
    r"\bcharge-?backs?\b",
    r"\bdispute (?:the|this|a) (?:charge|payment|transaction)\b",
    r"\b(?:filed|opened|open|file) a dispute\b",
)
_OUTREACH = _any(
    r"\bguest post",
    r"\bbacklinks?\b",
    r"\bseo (?:services|audit|agency)\b",
    r"\blink[- ]building\b",
    r"\bfirst page of google\b",
    r"\blead generation\b",
    r"\b(?:our|my) agency\b",
    r"\bpartnership (?:opportunity|proposal)\b",
    r"\bsponsored (?:post|content|article)\b",
    r"\b(?:quick|short|15[- ]minute|20[- ]minute) (?:call|chat|demo)\b",
    r"\bi came across your (?:website|site|app|product)\b",
    r"\bwe help (?:companies|businesses|brands|startups)\b",
    r"\b(?:boost|grow|increase) your (?:sales|revenue|traffic|conversions)\b",
    r"\boutsourc(?:e|ing)\b",
    r"\b(?:google|search) rankings?\b",
    r"\borganic traffic\b",
    r"\b(?:15|20|30) minutes (?:this|next) week\b",
    r"\brevenue share\b",
    r"\blist your (?:app|product|software)\b",
    r"\bguest (?:article|blog)",
    r"\bdo-?follow\b",
    r"\bpaid placements?\b",
    r"\b(?:has|have) been selected to receive\b",
    r"\bwallet (?:details|address|seed)\b",
    r"\bclaim your (?:reward|prize|bonus)\b",
)
_PERSONAL = _any(
    r"\bjust wanted to say\b",
    r"\b(?:i|we) (?:really )?love (?:your|the) (?:app|product|software|tool|work)\b",
    r"\bbig fan\b",
    r"\bkeep up the (?:great|good|amazing) work\b",
    r"\bthank you for (?:making|building|creating)\b",
)
_REQUEST = _any(
    r"\?",
    r"\b(?:refund|money back|cannot|can't|can not|unable|error|bug|broken|issue|problem)\b",
    r"\b(?:help me|need help|how do|how can|could you|can you|would you)\b",
)
# Fewer words than this tell too little about the language ("Thanks!", "Refund").
_MIN_WORDS_FOR_LANGUAGE = 4
_WORD = re.compile(r"[^\W\d_]+")
# Scripts written without spaces between words: each of their letters counts as a word.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


def _header(headers: Mapping[str, str], name: str) -> str:
    return headers.get(name, "").strip().lower()


def _automated_by_headers(message: InboundMessage) -> str | None:
    headers = message.headers
    auto_submitted = _header(headers, "auto-submitted")
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponse"):
        if name in headers:
            return f"{name} header"
    if (precedence := _header(headers, "precedence")) in _BULK_PRECEDENCE:
        return f"Precedence: {precedence}"
    if "list-unsubscribe" in headers or "list-id" in headers:
        return "mailing-list headers"
    if _header(headers, "return-path") == "<>":
        return "empty Return-Path (a bounce)"
    if _header(headers, "content-type").startswith("multipart/report"):
        return "delivery report"
    if _NO_REPLY_SENDER.match(message.sender.strip()):
        return f"sent from {message.sender.split('@')[0]}@"
    return None


def _match(pattern: re.Pattern[str], text: str) -> str | None:
    found = pattern.search(text)
    return found.group(0).strip() if found else None


def _language(message: InboundMessage, settings: TriageSettings) -> Triage | None:
    words = len(_WORD.findall(message.text)) + len(_UNSPACED.findall(message.text))
    if words < _MIN_WORDS_FOR_LANGUAGE:
        return None
    code, confidence = language_of(message.text)
    if code in settings.languages:
        return None
    return Triage(
        kind="foreign_language",
        reason=f"written in {code!r}, not in {', '.join(settings.languages)}",
        sure=confidence >= 0.9,
    )


def _unless_asked(
    message: InboundMessage, kind: TriageKind, reason: str, *, sure: bool = True
) -> Triage:
    """`kind` when the text asks for nothing; a message that asks leans towards support and is
    left to the model, since dropping a customer's question costs more than drafting for a robot."""
    if _REQUEST.search(message.text) is None:
        return Triage(kind=kind, reason=reason, sure=sure)
    return Triage(kind="support", reason=f"{reason}, but it asks something", sure=False)


def classify(message: InboundMessage, settings: TriageSettings) -> Triage:
    """The rules' verdict; `sure=False` means only a hint was seen and the model should settle it.

    Headers outrank content, a legal threat outranks everything a person writes, and a message
    with no sign of anything else is a support request.
    """
    if (why := _automated_by_headers(message)) is not None:
        return Triage(kind="automated", reason=why)
    whole = f"{message.subject}\n{message.text}"
    if (words := _match(_LEGAL, whole)) is not None:
        return Triage(kind="legal", reason=f"legal threat: {words!r}")
    if (words := _match(_CHARGEBACK, whole)) is not None:
        return Triage(kind="legal", reason=f"chargeback: {words!r}")
    if (words := _match(_AUTOMATED_SUBJECT, message.subject)) is not None:
        return Triage(kind="automated", reason=f"subject: {words!r}")
    if (words := _match(_RECEIPT_SUBJECT, message.subject)) is not None:
        return _unless_asked(message, "automated", f"receipt subject: {words!r}")
    if (words := _match(_AUTOMATED_TEXT, message.text)) is not None:
        return _unless_asked(message, "automated", f"automatic text: {words!r}")
    outreach = sorted({m.group(0).lower() for m in _OUTREACH.finditer(whole)})
    if len(outreach) > 1:
        return Triage(kind="spam", reason=f"outreach phrases: {', '.join(outreach)}")
    if outreach:
        return _unless_asked(message, "spam", f"outreach phrase: {outreach[0]}", sure=False)
    if (language := _language(message, settings)) is not None:
        return language
    if (words := _match(_PERSONAL, message.text)) is not None:
        return _unless_asked(message, "personal", f"personal note: {words!r}")
    return Triage(kind="support", reason="no sign of automated, outreach or legal mail")
