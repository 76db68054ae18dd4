"""Reading a reviewer's edits from a form into the typed params the decision service checks."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.datastructures import FormData


class BadEdit(ValueError):
    """A field the reviewer filled in cannot be used; the message says which and why."""


def amount_to_cents(raw: str) -> int:
    """'12.50' → 1250; whole cents only, more than zero."""
    try:
        amount = Decimal(raw.strip())
    except InvalidOperation:
        raise BadEdit(f"{raw!r} is not an amount like 12.50") from None
    cents = amount * 100
    if not amount.is_finite() or cents != cents.to_integral_value():
        raise BadEdit(f"{raw!r} is not a whole number of cents")
    if cents <= 0:
        raise BadEdit("the amount must be more than zero")
    return int(cents)


def cents_to_amount(cents: object) -> str:
    """1250 → '12.50', the value the amount field starts with."""
    if not isinstance(cents, int):
        return ""
    return f"{Decimal(cents) / 100:.2f}"


def read_edits(form: FormData, editable: frozenset[str]) -> dict[str, Any]:
    """The editable params the form carries; amounts arrive as 12.50 and leave as cents."""
    edits: dict[str, Any] = {}
    for name in sorted(editable):
        raw = form.get(name)
        if not isinstance(raw, str) or not raw.strip():
            raise BadEdit(f"{name} is empty")
        edits[name] = amount_to_cents(raw) if name == "amount_cents" else raw.strip()
    return edits
