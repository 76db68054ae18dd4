"""Keyword rules that sort a customer message into the few requests the offline model handles."""

from __future__ import annotations

import re
from typing import Literal

Intent = Literal[
    "non_english",
    "angry",
    "transfer",
    "refund",
    "email_change",
    "lost_access",
    "resolved",
    "unclear",
]

# An address starts where a word does, and its parts are as long as RFC 5321 allows: otherwise a
# long run of letters is scanned again from each of its positions, and a 1 MiB email takes hours.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")
_WORDS = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
# Short function words almost every English sentence uses and few other languages share.
_ENGLISH = frozenset(
    {
        "the", "and", "to", "my", "you", "your", "is", "it", "of", "for", "can", "can't",
        "cannot", "please", "not", "have", "this", "with", "was", "get", "how", "what", "i",
        "i'm", "me", "hi", "hello", "thanks", "thank", "want", "need", "would", "could", "just",
        "do", "don't", "does", "doesn't", "why", "nothing", "work", "works", "it's", "are",
        "will", "from", "that", "there",
    }
)  # fmt: skip
_ANGRY = frozenset(
    {
        "ridiculous", "scam", "furious", "angry", "terrible", "worst", "unacceptable", "lawyer",
        "chargeback", "useless", "disgusting", "fraud", "outraged", "pathetic",
    }
)  # fmt: skip
_EMAIL_CHANGE = re.compile(
    r"\b(?:change|update|switch|move)\s+(?:my\s+|the\s+)?(?:account\s+|login\s+)?e-?mail\b"
    r"|\bnew\s+e-?mail\s+address\b"
)
_ONE_SEAT = re.compile(r"\b(?:one|1|a|a single|single)\s+(?:of\s+(?:my|our|the)\s+)?seats?\b")
# The customer takes back what they asked: nothing is left to do.
_RESOLVED = re.compile(
    r"\bnever ?mind\b|\ball (?:good|sorted) now\b|\b(?:figured it out|sorted it out)\b"
)
_LOST_ACCESS = (
    "can't log in",
    "cannot log in",
    "can not log in",
    "can't login",
    "cannot login",
    "can't sign in",
    "cannot sign in",
    "lost access",
    "locked out",
    "can't access",
    "forgot my password",
    "reset my password",
)


def _normalise(text: str) -> str:
    return text.lower().replace("\u2019", "'")


def is_english(text: str) -> bool:
    """True when enough of the words are common English ones (short texts count as English)."""
    words = _WORDS.findall(_normalise(text))
    if len(words) < 3:
        return True
    return sum(word in _ENGLISH for word in words) / len(words) >= 0.15


def classify(text: str, *, sender_email: str) -> Intent:
    """The customer's request, checked in a fixed order so one message has one answer."""
    lowered = _normalise(text)
    if not is_english(text):
        return "non_english"
    shouting = sum(1 for w in re.findall(r"\b[A-Z]{3,}\b", text) if w not in {"URL", "PDF"})
    if "!!!" in text or shouting >= 3 or _ANGRY & set(_WORDS.findall(lowered)):
        return "angry"
    others = [e for e in EMAIL.findall(text) if e.lower() != sender_email.lower()]
    moving = "transfer" in lowered or re.search(r"\bmove\b", lowered)
    if moving and ("licen" in lowered or "seat" in lowered) and others:
        return "transfer"
    if "refund" in lowered or "money back" in lowered:
        return "refund"
    if moving and "licen" in lowered and EMAIL.search(text) is None:
        return "transfer"  # to an address still to be asked for
    if others and _EMAIL_CHANGE.search(lowered):
        return "email_change"
    if any(phrase in lowered for phrase in _LOST_ACCESS):
        return "lost_access"
    return "unclear"


def withdraws(text: str) -> bool:
    """True when the message says the matter has resolved itself ("Never mind, found it") and
    asks nothing new: "never mind, can you refund me instead?" is still a request."""
    if _RESOLVED.search(_normalise(text)) is None or "?" in text:
        return False
    return classify(text, sender_email="") == "unclear"


def transfer_target(text: str, *, sender_email: str) -> str | None:
    """The first address in the message that is not the sender's own."""
    others = [e for e in EMAIL.findall(text) if e.lower() != sender_email.lower()]
    return others[0] if others else None


def asks_for_one_seat(text: str) -> bool:
    """True when the customer wants to move one seat, not a whole licence."""
    return _ONE_SEAT.search(_normalise(text)) is not None
