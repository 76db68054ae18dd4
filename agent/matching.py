"""Which of a customer's purchases their messages point at: by product, id, amount or "latest".

A purchase is named when the customer writes its id, its price, or a word of its product's name
that no other open purchase of theirs shares ("lifetime", "add-on"), or asks about their latest
purchase. Acting on a purchase nobody named is a guess; the policy and the offline model ask first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from agent.context import ConversationContext, Purchase

_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_MONEY = re.compile(
    r"[$€£]\s?(\d[\d,]*)(?:\.(\d{2}))?(?!\d)"
    r"|(?<![\d.,])(\d[\d,]*)\.(\d{2})(?!\d)"
    r"|(?<![\d.,])(\d[\d,]*)\s?(?:dollars|usd|eur|euros|gbp|pounds)\b"
)
# "2 years", "2-year", "2 yr": one word, so a term tells a product apart but a bare number does not.
_TERM = re.compile(r"\b(\d+)[\s-]*(?:years?|yrs?)\b")
# The sum the customer wants back when it is not the whole price: "refund the $15 difference".
_PART = re.compile(
    r"\brefund(?: me)?(?: the| just| only)?\s+(?P<a>[$€£]\s?\d[\d,]*(?:\.\d{2})?)"
    r"|(?P<b>[$€£]\s?\d[\d,]*(?:\.\d{2})?) difference\b"
)
_DUPLICATE = re.compile(r"\b(?:charged|billed|paid) twice\b|\bduplicate\b|\bdouble[- ]charged\b")
_LATEST = re.compile(r"\b(?:last|latest|most recent|newest)\s+(?:purchase|order|payment|charge)\b")
# Words of product names that tell nothing apart by themselves.
_GENERIC = frozenset(
    {"the", "and", "for", "with", "year", "years", "month", "months", "seat", "seats"}
)


def _words(text: str) -> set[str]:
    lowered = _TERM.sub(r"\1-year", text.lower().replace("\u2019", "'"))
    return set(_WORD.findall(lowered))


def amounts_mentioned(text: str) -> set[int]:
    """Sums of money in the text, in cents: "$249", "249.00", "249 dollars", "€9"."""
    found: set[int] = set()
    for match in _MONEY.finditer(text.lower()):
        whole = next(group for group in match.group(1, 3, 5) if group is not None)
        cents = match.group(2) or match.group(4) or "0"
        found.add(int(whole.replace(",", "")) * 100 + int(cents))
    return found


def part_asked(text: str) -> int | None:
    """The one sum, in cents, the customer asks back when they name it ("refund the $15
    difference"); None when they name none or several."""
    asked = {
        cents
        for match in _PART.finditer(text.lower())
        for cents in amounts_mentioned(match.group("a") or match.group("b"))
    }
    return asked.pop() if len(asked) == 1 else None


def charged_twice(text: str, purchases: Sequence[Purchase]) -> Purchase | None:
    """The later of two open, identical purchases when the customer says they paid twice."""
    if _DUPLICATE.search(text.lower()) is None:
        return None
    twins: dict[tuple[str, int], list[Purchase]] = {}
    for purchase in purchases:
        if purchase.is_open:
            twins.setdefault((purchase.product, purchase.amount_cents), []).append(purchase)
    doubled = [group for group in twins.values() if len(group) > 1]
    if len(doubled) != 1:
        return None
    return max(doubled[0], key=lambda p: (p.purchased_at, p.id))


def named_purchases(text: str, purchases: Sequence[Purchase]) -> list[Purchase]:
    """The open purchases the text points at; several when it is not specific enough."""
    candidates = [p for p in purchases if p.is_open]
    lowered = text.lower()
    words = _words(text)
    amounts = amounts_mentioned(text)
    named = [p for p in candidates if p.id.lower() in lowered or p.amount_cents in amounts]
    if named:
        return named
    product_words = {p.id: _words(p.product) - _GENERIC for p in candidates}
    for purchase in candidates:
        others = set().union(*(w for pid, w in product_words.items() if pid != purchase.id))
        if words & (product_words[purchase.id] - others):
            named.append(purchase)
    if not named and _LATEST.search(lowered) and candidates:
        named = [max(candidates, key=lambda p: (p.purchased_at, p.id))]
    return named


def the_purchase_meant(text: str, purchases: Sequence[Purchase]) -> Purchase | None:
    """The one purchase the customer means: the one they named, or their only open one."""
    named = named_purchases(text, purchases)
    if len(named) == 1:
        return named[0]
    open_ones = [p for p in purchases if p.is_open]
    return open_ones[0] if not named and len(open_ones) == 1 else None


def customer_text(context: ConversationContext) -> str:
    """Everything the customer wrote in the conversation, oldest first."""
    return "\n\n".join(m.text for m in context.messages if m.author == "customer")


def is_named_or_only(purchase: Purchase, text: str, purchases: Sequence[Purchase]) -> bool:
    """The customer named this purchase (among others, maybe), or it is their only open one."""
    named = named_purchases(text, purchases)
    if named:
        return any(p.id == purchase.id for p in named)
    return [p.id for p in purchases if p.is_open] == [purchase.id]
