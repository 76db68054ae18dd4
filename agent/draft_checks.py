"""Checks every reply draft passes before a person sees it; pure code, no model.

A draft must not leak what is internal (ids, tool names, policy wording, the system prompt, links
from nowhere), talk about itself ("As an AI"), use a phrase the app bans, claim an action that did
not run, quote a price, date or product the context does not hold, or leave a placeholder unfilled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from agent.claims import JudgedAction, false_claims
from agent.context import ConversationContext
from agent.matching import amounts_mentioned
from agent.prompts import SYSTEM_PROMPT
from agent.tools import tool_definitions

Check = Literal[
    "internal_id",
    "tool_name",
    "policy_text",
    "system_prompt",
    "unknown_url",
    "meta_commentary",
    "banned_phrase",
    "false_claim",
    "unknown_price",
    "unknown_date",
    "unknown_product",
    "placeholder",
]


class Violation(BaseModel):
    """One broken rule and the words that broke it."""

    model_config = ConfigDict(frozen=True)

    check: Check
    detail: str

    def describe(self) -> str:
        return f"{self.check.replace('_', ' ')}: {self.detail}"


_INTERNAL_ID = re.compile(
    r"\b(?:act|cnv|cus|usr|pur|msg|inb|evt|drf|toolu|tea|run|cha|tag)_[A-Za-z0-9_]{2,}\b"
)
_TOOL_NAMES = tuple(tool["name"] for tool in tool_definitions())
_POLICY_WORDS = re.compile(
    r"\b(?:needs_approval|auto_refund\w*|auto_magic_link|verdict|risk policy|policy engine|"
    r"automatic limits?|escalat(?:e|ed|ion) to (?:a )?human)\b",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"</?(?:customer_message|team_message|reply|notes|teammate_reason)\b")
_URL = re.compile(r"\bhttps?://[^\s<>()\"']+", re.IGNORECASE)
_META = re.compile(
    r"\bthis (?:appears|seems) to be\b|\bas an ai\b|\bas a (?:large )?language model\b|"
    r"\bi(?: am|'m) an ai\b|\bthe customer (?:is|seems|appears|wants|asked)\b|"
    r"\bhere is (?:a|the|my) (?:draft|reply|response)\b|\bdraft (?:reply|response):|"
    r"\bbased on the (?:conversation|context|tool results?|information provided)\b|"
    r"\[offline model\]",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"\{\{[^{}]*\}\}|\{[A-Za-z_ ]{2,30}\}|<<[^<>]*>>|"
    # "[Name]", but not the text of a Markdown link: "[the help page](https://…)".
    r"\[(?:[A-Z][A-Za-z]*(?: [A-Za-z]+){0,3}|insert[^\]]*|your [^\]]*|customer[^\]]*)\](?!\()|"
    r"\bX{3,}\b"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(?P<month>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_DATES = (
    re.compile(r"\b(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})\b"),
    re.compile(rf"\b{_DAY} (?:of )?{_MONTH},? (?P<year>\d{{4}})\b", re.IGNORECASE),
    re.compile(rf"\b{_MONTH} {_DAY},? (?P<year>\d{{4}})\b", re.IGNORECASE),
)
# "Pro plan", "Lifetime licence": words that name something sold.
_PRODUCT = re.compile(
    r"\b((?:[A-Z][\w+-]*\s){1,3})(licen[cs]e|plan|add-on|subscription|edition|bundle)\b"
)
# Eight words in a row from the system prompt are quoted from it, not a coincidence.
_SHINGLE = 8
_WORD = re.compile(r"[a-z']+")


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + _SHINGLE]) for i in range(len(words) - _SHINGLE + 1)}


_PROMPT_SHINGLES = _shingles(SYSTEM_PROMPT)


def _spelled(text: str) -> str:
    return text.lower().replace("license", "licence")


def _dates_in(text: str) -> set[date]:
    """Dates written with a year: "2026-03-08", "8 March 2026", "March 8th, 2026"."""
    found: set[date] = set()
    for pattern in _DATES:
        for match in pattern.finditer(text):
            month = match["month"].lower()
            number = int(month) if month.isdigit() else _MONTHS.index(month[:3]) + 1
            try:
                found.add(date(int(match["year"]), number, int(match["day"])))
            except ValueError:
                continue
    return found


class _Known:
    """What the context holds: the only prices, dates, products and links a draft may quote."""

    def __init__(self, context: ConversationContext) -> None:
        customer = "\n".join(m.text for m in context.messages if m.author == "customer")
        self.knowledge = context.knowledge
        self.customer_text = customer
        quoted = f"{customer}\n{context.knowledge}\n{context.subject or ''}"
        self.text = _spelled(quoted)
        self.amounts = amounts_mentioned(quoted)
        for purchase in context.purchases:
            self.amounts |= {purchase.amount_cents, purchase.refundable_cents}
            self.amounts.add(purchase.amount_cents - purchase.refundable_cents)
        self.dates = _dates_in(quoted) | {p.purchased_at.date() for p in context.purchases}
        self.dates |= {m.sent_at.date() for m in context.messages}
        self.products = _spelled(" ".join(p.product for p in context.purchases))


def _internal(reply: str, known: _Known) -> Iterable[Violation]:
    for found in sorted(set(_INTERNAL_ID.findall(reply))):
        if found not in known.customer_text:
            yield Violation(check="internal_id", detail=found)
    for name in _TOOL_NAMES:
        if re.search(rf"\b{name}\b", reply):
            yield Violation(check="tool_name", detail=name)
    for found in sorted({m.group(0) for m in _POLICY_WORDS.finditer(reply)}):
        yield Violation(check="policy_text", detail=found)
    if (markup := _MARKUP.search(reply)) is not None:
        yield Violation(check="system_prompt", detail=markup.group(0))
    quoted = _shingles(reply) & _PROMPT_SHINGLES
    if quoted:
        yield Violation(check="system_prompt", detail=" ".join(min(quoted)))
    for url in sorted(set(_URL.findall(reply))):
        if url.rstrip(".,;:!?") not in known.knowledge:
            yield Violation(check="unknown_url", detail=url)


def _invented(reply: str, known: _Known) -> Iterable[Violation]:
    for cents in sorted(amounts_mentioned(reply) - known.amounts):
        yield Violation(check="unknown_price", detail=f"{cents // 100}.{cents % 100:02d}")
    for day in sorted(_dates_in(reply) - known.dates):
        yield Violation(check="unknown_date", detail=day.isoformat())
    for match in _PRODUCT.finditer(reply):
        words = _spelled(match.group(0)).split()
        # "Our Pro plan" names the Pro plan: any tail with a capitalised word may be the name.
        tails = (" ".join(words[start:]) for start in range(len(words) - 1))
        if not any(tail in known.text or tail in known.products for tail in tails):
            yield Violation(check="unknown_product", detail=" ".join(match.group(0).split()))


def check_draft(
    reply: str,
    *,
    context: ConversationContext,
    actions: Sequence[JudgedAction] = (),
    banned_phrases: Sequence[str] = (),
) -> list[Violation]:
    """Every rule the reply breaks, in a stable order; an empty list means it may go to a person.

    `actions` says what became of each proposal: a sentence that calls one done must be backed by
    an action that ran as proposed.
    """
    known = _Known(context)
    found = [*_internal(reply, known)]
    found += [Violation(check="meta_commentary", detail=m.group(0)) for m in _META.finditer(reply)]
    lowered = reply.lower()
    found += [
        Violation(check="banned_phrase", detail=phrase)
        for phrase in banned_phrases
        if phrase.strip() and phrase.strip().lower() in lowered
    ]
    found += [Violation(check="false_claim", detail=s) for s in false_claims(reply, actions)]
    found += [*_invented(reply, known)]
    found += [
        Violation(check="placeholder", detail=m.group(0)) for m in _PLACEHOLDER.finditer(reply)
    ]
    return list(dict.fromkeys(found))
