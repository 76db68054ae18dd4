"""Actions in words people use: "Refund of $249.00 for Team licence", never a dict of params."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent.money import format_money

VERDICT_WORDS = {
    "auto": "runs without approval",
    "needs_approval": "needs a person's approval",
    "refuse": "refused",
}


def param_value(key: str, value: Any, currency: str = "USD") -> str:
    """One param as text: sums of money as "$249.00", the rest as they are."""
    if key == "amount_cents" and isinstance(value, int) and not isinstance(value, bool):
        return format_money(value, currency)
    return "-" if value is None else str(value)


def describe_action(
    tool: str, params: Mapping[str, Any], *, currency: str = "USD", product: str | None = None
) -> str:
    """'Refund of $100.00 for Team licence', 'Transfer of Pro licence to bo@example.com', …"""
    what = product or f"purchase {params.get('purchase_id')}"
    if tool == "refund_purchase":
        amount = param_value("amount_cents", params.get("amount_cents"), currency)
        return f"Refund of {amount} for {what}"
    if tool == "transfer_license":
        return f"Transfer of {what} to {params.get('to_email')}"
    if tool == "update_email":
        return f"Email change to {params.get('new_email')}"
    if tool == "send_magic_link":
        return f"Login link to {params.get('email')}"
    if tool == "escalate_to_human":
        reason = params.get("reason")
        return f"Escalation to the team: {reason}" if reason else "Escalation to the team"
    details = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(params.items()))
    return f"{tool.replace('_', ' ')} ({details})" if details else tool.replace("_", " ")


def describe_edits(
    before: Mapping[str, Any], after: Mapping[str, Any], *, currency: str, by: str
) -> str:
    """'$249.00 → $100.00 by Lee': each changed param, before and after; empty when none."""
    changes = [
        f"{param_value(key, before.get(key), currency)} → "
        f"{param_value(key, after.get(key), currency)}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]
    return f"{', '.join(changes)} by {by}" if changes else ""
