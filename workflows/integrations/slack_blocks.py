"""Block Kit for approvals: the card, its fallback text and its reminder, from an `ActionView`.

Pure functions. Everything that came from a customer, the model or a person is escaped, so a
`<!channel>` or a `<https://evil|link>` in it shows as text; only our own URLs become links.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from agent.actions import EDITABLE_PARAMS
from agent.money import format_money
from workflows.approvals.view import ActionView

APPROVE, REJECT, EDIT = "approve", "reject", "edit"
# Slack's limits: 3000 characters in a section, 150 in a header.
SECTION_LIMIT = 2900
FIELD_LIMIT = 600
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_LABELS = {
    "refund_purchase": "Refund",
    "transfer_license": "Licence transfer",
    "update_email": "Email change",
    "send_magic_link": "Login link",
    "escalate_to_human": "Escalation",
}
# The word for what ran, in "Approved by X — refund re_1 done".
_DONE = {
    "refund_purchase": "refund",
    "transfer_license": "transfer",
    "update_email": "email change",
}


def escape_text(text: str) -> str:
    """Escape `&`, `<` and `>` so mrkdwn shows the text as it is: no mention, no link."""
    return "".join(_ESCAPES.get(char, char) for char in text)


def _clip(text: str, limit: int) -> str:
    """The text escaped and cut to `limit` characters, between entities, never inside one."""
    pieces: list[str] = []
    size = 0
    for char in text:
        piece = _ESCAPES.get(char, char)
        if size + len(piece) > limit - 1:
            pieces.append("…")
            break
        pieces.append(piece)
        size += len(piece)
    return "".join(pieces)


def action_label(tool: str) -> str:
    return _LABELS.get(tool, tool)


def _duration(span: timedelta) -> str:
    """A span as "23 h 59 min" or "45 min"; whole hours read "24h"."""
    minutes = max(int(span.total_seconds() // 60), 0)
    hours, rest = divmod(minutes, 60)
    if hours and not rest:
        return f"{hours}h"
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def time_left(view: ActionView, *, now: datetime) -> str:
    """How long is left ("expires in 23 h 59 min"), or that the expiry is due."""
    if view.expires_at is None:
        return "no expiry"
    left = view.expires_at - now
    if left <= timedelta(0):
        return "expiry due now"
    if left < timedelta(minutes=1):
        return "expires in less than a minute"
    return f"expires in {_duration(left)}"


def _param_lines(view: ActionView) -> list[str]:
    currency = view.params.get("currency")
    if not isinstance(currency, str):
        currency = view.currency
    lines = []
    for key, value in view.params.items():
        if key == "currency":
            continue
        if key == "amount_cents" and isinstance(value, int) and not isinstance(value, bool):
            text = format_money(value, currency)
            lines.append(f"• *amount*: {escape_text(text)}")
        else:
            lines.append(f"• *{escape_text(key.replace('_', ' '))}*: {_clip(str(value), 300)}")
    return lines


def _result_id(result: dict[str, Any]) -> str | None:
    """The id the integration gave what it did (`refund_id`, `transfer_id`...), if any."""
    for key, value in result.items():
        if key.endswith("id") and isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    return None


def status_line(view: ActionView) -> str:
    """What became of the action, in one escaped line, for a card that is no longer pending."""
    by = _clip(view.decided_by or "someone", 200)
    if view.status == "executed":
        done = _DONE.get(view.tool, view.tool)
        ref = _result_id(view.result)
        what = f"{done} {_clip(ref, 100)} done" if ref else f"{done} done"
        return f"✅ Approved by {by} — {what}" if view.decided_by else f"✅ Done — {what}"
    if view.status == "approved":
        return f"✅ Approved by {by}"
    if view.status == "rejected":
        reason = view.decision_reason or ""
        return f"🚫 Rejected by {by}: {_clip(reason, 1000)}" if reason else f"🚫 Rejected by {by}"
    if view.status == "expired":
        span = (view.expires_at - view.created_at) if view.expires_at else None
        after = f" after {_duration(span)}" if span is not None else ""
        return f"⌛ Expired{after} — nothing was done"
    if view.status == "failed":
        return f"⚠️ Failed: {_clip(view.error or 'unknown error', 1000)}"
    return f"Status: {escape_text(view.status)}"


def _links(view: ActionView) -> list[str]:
    # Our own URLs only: the console's, and Front's built from a conversation id.
    links = [f"<{view.console_url}|Open in the console>"]
    if view.front_url:
        links.insert(0, f"<{view.front_url}|Open in Front>")
    return links


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def build_approval_blocks(view: ActionView, *, now: datetime) -> list[dict[str, Any]]:
    """The approval card: who asked for what, why, and buttons while it is pending."""
    header = f"{view.app_name}: {action_label(view.tool)}"[:150]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": header}},
        _section(
            f"*Customer*: {_clip(view.customer_email or 'unknown', 320)}\n"
            f"*Request*: {_clip(view.request_line or '(no message text)', FIELD_LIMIT)}"
        ),
        _section("\n".join([f"*{escape_text(action_label(view.tool))}*", *_param_lines(view)])),
        _section(f"*Agent's reasoning*\n{_clip(view.rationale or '(none given)', SECTION_LIMIT)}"),
        _section(f"*Why it needs approval*\n{_clip(view.policy_reason or '(none)', FIELD_LIMIT)}"),
    ]
    context = _links(view)
    if view.status == "pending":
        context.insert(0, time_left(view, now=now))
    else:
        blocks.append(_section(status_line(view)))
    blocks.append({"type": "context", "elements": [_mrkdwn(" · ".join(context))]})
    if view.status == "pending":
        blocks.append({"type": "actions", "block_id": "decision", "elements": _buttons(view)})
    return blocks


def _mrkdwn(text: str) -> dict[str, str]:
    return {"type": "mrkdwn", "text": text}


def _button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    button = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": value,
    }
    return button | {"style": style} if style else button


def _buttons(view: ActionView) -> list[dict[str, Any]]:
    buttons = [
        _button("Approve", APPROVE, view.action_id, "primary"),
        _button("Reject", REJECT, view.action_id, "danger"),
    ]
    if view.tool in EDITABLE_PARAMS:
        buttons.append(_button("Edit", EDIT, view.action_id))
    return buttons


def action_summary(view: ActionView) -> str:
    """What and for whom: "Refund of $249.00 for katherine@example.com"; escaped."""
    params = view.params
    if "amount_cents" in params and isinstance(params["amount_cents"], int):
        what = f"{action_label(view.tool)} of {format_money(params['amount_cents'], view.currency)}"
    else:
        what = action_label(view.tool)
    return f"{escape_text(what)} for {_clip(view.customer_email or 'unknown', 320)}"


def approval_fallback_text(view: ActionView) -> str:
    """The message's plain `text`: what notifications and screen readers show."""
    if view.status == "pending":
        return f"Approval needed: {action_summary(view)} ({escape_text(view.app_name)})"
    return f"{action_summary(view)}: {status_line(view)}"


def build_reminder_text(view: ActionView, *, now: datetime) -> str:
    """A thread reply nudging approvers while an action waits; its status once it does not."""
    if view.status != "pending":
        return f"{action_summary(view)}: {status_line(view)}"
    return f"⏰ Still waiting for a decision: {action_summary(view)} — {time_left(view, now=now)}."
