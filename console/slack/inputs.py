"""Reading what a reviewer typed into a modal: a reason, or edited params."""

from __future__ import annotations

import re
from typing import Any

from agent.actions import EDITABLE_PARAMS
from workflows.integrations.slack_modals import REASON_BLOCK

_AMOUNT = re.compile(r"(\d+)(?:\.(\d{1,2}))?")
EDITABLE = frozenset().union(*EDITABLE_PARAMS.values())


def parse_amount(text: str) -> int:
    """ "120", "120.5" or "120.50" → cents; raises ValueError for anything else."""
    match = _AMOUNT.fullmatch(text.strip().replace(",", ""))
    if match is None:
        raise ValueError("Enter an amount like 120.00")
    whole, fraction = match.groups()
    return int(whole) * 100 + int((fraction or "0").ljust(2, "0"))


def _value(values: dict[str, Any], block_id: str) -> str:
    """The text of the modal input `block_id` (its action id is the same), or ""."""
    element = (values.get(block_id) or {}).get(block_id) or {}
    return str(element.get("value") or "").strip()


def read_reason(values: dict[str, Any]) -> str:
    return _value(values, REASON_BLOCK)


def read_edits(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The edited params, and errors by input block for values that cannot be read."""
    edits: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for block_id in values:
        if block_id not in EDITABLE:
            continue
        text = _value(values, block_id)
        if not text:
            errors[block_id] = "This cannot be empty."
        elif block_id == "amount_cents":
            try:
                edits[block_id] = parse_amount(text)
            except ValueError as error:
                errors[block_id] = str(error)
        else:
            edits[block_id] = text
    return edits, errors
