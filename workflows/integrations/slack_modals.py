"""The Reject and Edit modals a card's buttons open, and what they carry back on submit.

The modal remembers the action and where its card is (`private_metadata`), so a submission can
redraw that card. Amounts are edited as decimals ("120.00"), as people write money.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.actions import EDITABLE_PARAMS
from workflows.approvals.view import ActionView
from workflows.integrations.slack_blocks import action_summary

REJECT_SUBMIT, EDIT_SUBMIT = "reject_submit", "edit_submit"
REASON_BLOCK = "reason"


class ModalMetadata(BaseModel):
    """What a modal carries back on submit: the action and where its card is."""

    model_config = ConfigDict(frozen=True)

    action_id: str
    channel: str | None = None
    ts: str | None = None


def parse_modal_metadata(raw: str) -> ModalMetadata:
    """Read a modal's `private_metadata`; raises ValueError when it is not ours."""
    return ModalMetadata.model_validate(json.loads(raw))


def _modal(
    view: ActionView,
    callback_id: str,
    title: str,
    submit: str,
    blocks: list[dict[str, Any]],
    *,
    channel: str | None,
    ts: str | None,
) -> dict[str, Any]:
    metadata = ModalMetadata(
        action_id=view.action_id, channel=channel or view.slack_channel, ts=ts or view.slack_ts
    )
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata.model_dump_json(),
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": submit},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [_summary_section(view), *blocks],
    }


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str | None = None,
    hint: str | None = None,
    multiline: bool = False,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": block_id}
    if multiline:
        element |= {"multiline": True, "max_length": 1000}
    if initial is not None:
        element["initial_value"] = initial
    block: dict[str, Any] = {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
    }
    return block | {"hint": {"type": "plain_text", "text": hint}} if hint else block


def build_reject_modal(
    view: ActionView, *, channel: str | None = None, ts: str | None = None
) -> dict[str, Any]:
    """A modal asking why; the reason is required and is stored with the decision."""
    reason = _text_input(REASON_BLOCK, "Why reject it?", multiline=True)
    return _modal(view, REJECT_SUBMIT, "Reject action", "Reject", [reason], channel=channel, ts=ts)


_EDIT_LABELS = {
    "amount_cents": ("Refund amount", "In the purchase's currency, e.g. 120.00."),
    "to_email": ("New owner's email", None),
    "new_email": ("New email address", None),
}


def edit_initial_value(param: str, value: Any) -> str:
    """A param as the edit modal shows it: amounts as a decimal ("249.00"), the rest as text."""
    if param == "amount_cents" and isinstance(value, int):
        return f"{value // 100}.{value % 100:02d}"
    return "" if value is None else str(value)


def build_edit_modal(
    view: ActionView, *, channel: str | None = None, ts: str | None = None
) -> dict[str, Any]:
    """One input per editable param, prefilled; submitting approves the edited action."""
    inputs = []
    for param in sorted(EDITABLE_PARAMS.get(view.tool, frozenset())):
        label, hint = _EDIT_LABELS.get(param, (param, None))
        initial = edit_initial_value(param, view.params.get(param))
        inputs.append(_text_input(param, label, initial=initial, hint=hint))
    return _modal(view, EDIT_SUBMIT, "Edit and approve", "Approve", inputs, channel=channel, ts=ts)


def _summary_section(view: ActionView) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": action_summary(view)}}
