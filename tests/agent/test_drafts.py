"""Drafts tell the truth: only an executed action is ever described as done."""

from __future__ import annotations

from typing import Any

import pytest

from agent.actions import ProposedAction
from agent.drafts import (
    HOLDING_REPLY,
    NEUTRAL_OPENING,
    ActionOutcome,
    Status,
    claims_completion,
    compose_draft,
    status_line,
)
from agent.pricing import TokenUsage
from agent.result import AgentResult
from tests.agent.factories import PURCHASES, conversation, purchase

CONTEXT = conversation("help")
ACTIONS: dict[str, dict[str, Any]] = {
    "refund_purchase": {"purchase_id": "pur_new", "amount_cents": 4900, "reason": "asked"},
    "transfer_license": {"purchase_id": "pur_old", "to_email": "bo@example.com"},
    "send_magic_link": {"email": "ann@example.com"},
    "update_email": {"user_id": "usr_ann", "new_email": "ann@new.example"},
}
STATUSES: list[Status] = ["executed", "pending", "rejected", "expired", "refused"]


def action(
    tool: str, params: dict[str, Any] | None = None, tool_use_id: str = "t1"
) -> ProposedAction:
    return ProposedAction(tool=tool, params=params or ACTIONS[tool], tool_use_id=tool_use_id)


def result(draft: str, *actions: ProposedAction) -> AgentResult:
    return AgentResult(
        draft=draft,
        reasoning="",
        proposed_actions=list(actions),
        tool_calls=[],
        usage=TokenUsage(),
        cost_usd=0.0,
        model="claude-sonnet-4-6",
        turns=1,
        outcome="completed",
    )


@pytest.mark.parametrize("tool", list(ACTIONS))
@pytest.mark.parametrize("status", STATUSES)
def test_only_an_executed_action_reads_as_done(tool: str, status: Status) -> None:
    proposed = action(tool)
    done = status_line(proposed, ActionOutcome(status="executed"), context=CONTEXT)

    draft = compose_draft(
        result("Hi Ann.", proposed), {"t1": ActionOutcome(status=status)}, context=CONTEXT
    )

    assert (done in draft) == (status == "executed")
    assert claims_completion(draft) == (status == "executed")


def test_an_action_without_an_outcome_counts_as_pending() -> None:
    draft = compose_draft(result("Hi Ann.", action("refund_purchase")), {}, context=CONTEXT)
    assert "Our team is reviewing your refund request for Pro plan ($49.00)" in draft


def test_a_body_that_claims_the_action_happened_is_replaced_until_it_did() -> None:
    claim = "Hi Ann, I've refunded your Pro plan; the money is on its way."
    proposed = action("refund_purchase")

    pending = compose_draft(result(claim, proposed), {}, context=CONTEXT)
    executed = compose_draft(
        result(claim, proposed), {"t1": ActionOutcome(status="executed")}, context=CONTEXT
    )

    assert "I've refunded" not in pending
    assert pending.startswith(NEUTRAL_OPENING)
    assert executed.startswith(claim)


def test_a_claim_with_no_action_at_all_is_replaced() -> None:
    draft = compose_draft(result("Done! We have sent you a login link."), {})
    assert "sent you" not in draft
    assert draft == NEUTRAL_OPENING


def test_reject_reasons_stay_with_teammates() -> None:
    outcome = ActionOutcome(status="rejected", reason="looks like refund abuse")
    draft = compose_draft(
        result("Hi Ann.", action("refund_purchase")), {"t1": outcome}, context=CONTEXT
    )
    assert "abuse" not in draft
    assert "not able to go ahead with your refund request" in draft


def test_an_empty_reply_becomes_a_holding_reply() -> None:
    assert compose_draft(result(""), {}) == HOLDING_REPLY


def test_status_lines_go_before_the_sign_off_and_a_false_claim_keeps_the_greeting() -> None:
    body = "Hi Ann,\n\nWe have refunded you.\n\nBest regards,\nLee\nThe support team"
    draft = compose_draft(result(body, action("refund_purchase")), {}, context=CONTEXT)
    paragraphs = draft.split("\n\n")
    assert paragraphs[0] == "Hi Ann,"
    assert paragraphs[1] == NEUTRAL_OPENING
    assert paragraphs[2].startswith("Our team is reviewing your refund request")
    assert paragraphs[3] == "Best regards,\nLee\nThe support team"


def test_escalations_add_one_follow_up_line_and_refused_ones_none() -> None:
    first = action("escalate_to_human", {"reason": "angry"}, "e1")
    second = action("escalate_to_human", {"reason": "unclear"}, "e2")
    both = compose_draft(result("Hi Ann.", first, second), {})
    refused = compose_draft(result("Hi Ann.", first), {"e1": ActionOutcome(status="refused")})
    assert both.count("A colleague will follow up") == 1
    assert refused == "Hi Ann."


def test_several_actions_each_get_their_own_status() -> None:
    refund, link = (
        action("refund_purchase", tool_use_id="r"),
        action("send_magic_link", tool_use_id="m"),
    )
    outcomes = {"r": ActionOutcome(status="pending"), "m": ActionOutcome(status="executed")}
    draft = compose_draft(result("Hi Ann.", refund, link), outcomes, context=CONTEXT)
    assert "reviewing your refund request" in draft
    assert "login link has been sent" in draft
    assert "refund of" not in draft


def test_an_edited_action_reads_as_what_was_executed_never_the_proposal() -> None:
    proposed = action("refund_purchase")  # $49.00 proposed
    edited = ActionOutcome(
        status="executed", params={**ACTIONS["refund_purchase"], "amount_cents": 1000}
    )

    draft = compose_draft(result("Hi Ann.", proposed), {"t1": edited}, context=CONTEXT)

    assert "Your refund of $10.00 for Pro plan has been issued" in draft
    assert "49" not in draft


def test_a_body_that_says_the_proposed_amount_was_refunded_is_replaced_after_an_edit() -> None:
    proposed = action("refund_purchase")
    edited = ActionOutcome(
        status="executed", params={**ACTIONS["refund_purchase"], "amount_cents": 1000}
    )
    as_proposed = ActionOutcome(status="executed", params=ACTIONS["refund_purchase"])
    body = "Hi Ann, your refund of $49.00 has been issued."

    after_edit = compose_draft(result(body, proposed), {"t1": edited}, context=CONTEXT)
    unchanged = compose_draft(result(body, proposed), {"t1": as_proposed}, context=CONTEXT)

    assert "$49.00" not in after_edit
    assert after_edit.startswith(NEUTRAL_OPENING)
    assert unchanged.startswith(body)


def test_an_edited_transfer_names_the_address_it_went_to() -> None:
    proposed = action("transfer_license")
    edited = ActionOutcome(
        status="executed", params={**ACTIONS["transfer_license"], "to_email": "cy@example.com"}
    )

    draft = compose_draft(result("Hi Ann.", proposed), {"t1": edited}, context=CONTEXT)

    assert "moved to cy@example.com" in draft
    assert "bo@example.com" not in draft


SYNC = purchase("pur_sync", amount_cents=900, product="Sync add-on").model_copy(
    update={"currency": "eur"}
)
SYNC_REFUND = {"purchase_id": "pur_sync", "amount_cents": 900, "reason": "asked"}
TWO_PURCHASES = conversation(
    "Refund the Sync add-on and the Pro plan.", purchases=[SYNC, *PURCHASES]
)


@pytest.mark.parametrize(
    "body",
    ["Your Sync add-on is all set.", "The €9.00 is on its way back to you."],
    ids=["product", "amount-in-its-currency"],
)
def test_a_true_sentence_naming_what_ran_is_kept_while_another_action_waits(body: str) -> None:
    sync = action("refund_purchase", SYNC_REFUND)
    pro = action("refund_purchase", tool_use_id="t2")  # pur_new, the Pro plan

    draft = compose_draft(
        result(body, sync, pro), {"t1": ActionOutcome(status="executed")}, context=TWO_PURCHASES
    )

    assert body in draft
    assert NEUTRAL_OPENING not in draft
    assert "Our team is reviewing your refund request for Pro plan ($49.00)" in draft


def test_a_sentence_saying_the_amount_names_no_action_whose_sum_is_unknown() -> None:
    # The waiting transfer has no sum: "the amount" in a sentence is not about it.
    sync = action("refund_purchase", SYNC_REFUND)
    transfer = action("transfer_license", tool_use_id="t2")
    body = "The amount for your Sync add-on is on its way."

    draft = compose_draft(
        result(body, sync, transfer),
        {"t1": ActionOutcome(status="executed")},
        context=TWO_PURCHASES,
    )

    assert body in draft
    assert NEUTRAL_OPENING not in draft
