"""The Reject and Edit modals: what they ask, what they prefill, what they carry back."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integrations.action_views import make_view
from workflows.integrations.slack_modals import (
    build_edit_modal,
    build_reject_modal,
    parse_modal_metadata,
)


def test_the_reject_modal_requires_a_reason_and_remembers_the_card() -> None:
    modal = build_reject_modal(make_view(), channel="C1", ts="1.2")

    assert (modal["type"], modal["callback_id"]) == ("modal", "reject_submit")
    metadata = parse_modal_metadata(modal["private_metadata"])
    assert (metadata.action_id, metadata.channel, metadata.ts) == ("act_123", "C1", "1.2")
    [reason] = [b for b in modal["blocks"] if b["type"] == "input"]
    assert reason["block_id"] == "reason"
    assert reason["element"]["multiline"] is True
    assert reason.get("optional", False) is False


def test_modals_fall_back_to_the_stored_card_place() -> None:
    view = make_view(slack_channel="C9", slack_ts="9.9")

    metadata = json.loads(build_edit_modal(view)["private_metadata"])

    assert metadata == {"action_id": "act_123", "channel": "C9", "ts": "9.9"}


@pytest.mark.parametrize(
    ("tool", "params", "inputs"),
    [
        (
            "refund_purchase",
            {"purchase_id": "p", "amount_cents": 24900},
            {"amount_cents": "249.00"},
        ),
        ("transfer_license", {"purchase_id": "p", "to_email": "a@b.c"}, {"to_email": "a@b.c"}),
        ("update_email", {"user_id": "u", "new_email": "n@b.c"}, {"new_email": "n@b.c"}),
    ],
)
def test_the_edit_modal_has_one_prefilled_input_per_editable_param(
    tool: str, params: dict[str, Any], inputs: dict[str, str]
) -> None:
    modal = build_edit_modal(make_view(tool=tool, params=params))

    assert modal["callback_id"] == "edit_submit"
    found = {
        b["block_id"]: b["element"]["initial_value"]
        for b in modal["blocks"]
        if b["type"] == "input"
    }
    assert found == inputs
    assert all(
        b["element"]["action_id"] == b["block_id"] for b in modal["blocks"] if b["type"] == "input"
    )
