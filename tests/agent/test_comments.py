"""The teammate comment carries the agent's notes, each proposal's verdict and its outcome."""

from __future__ import annotations

from agent.comments import compose_comment
from agent.context import AppPolicy
from agent.draft_checks import Violation
from agent.drafts import ActionOutcome
from agent.loop import run_agent
from agent.money import format_money
from agent.offline import OfflineModel
from agent.policy import decide_all
from tests.agent.factories import NOW, conversation


async def test_comment_lists_notes_lookups_verdicts_and_outcomes() -> None:
    context = conversation("I would like a refund for my team plan please")
    result = await run_agent(context=context, model_client=OfflineModel())
    decisions = decide_all(result.proposed_actions, context=context, policy=AppPolicy(), now=NOW)
    refund = result.proposed_actions[0]
    outcome = ActionOutcome(status="rejected", reason="outside policy", decided_by="U123")

    comment = compose_comment(
        result, decisions=decisions, outcomes={refund.tool_use_id: outcome}, context=context
    )

    assert result.reasoning in comment
    assert "Looked up: list_purchases, lookup_user, read_conversation" in comment
    purchase = context.purchase(refund.params["purchase_id"])
    assert purchase is not None
    amount = format_money(refund.params["amount_cents"], purchase.currency)
    assert f"- Refund of {amount} for {purchase.product}" in comment
    # People read the comment: no Python dict, no JSON, no cents.
    assert "{" not in comment
    assert "amount_cents" not in comment
    assert "policy: needs a person's approval" in comment
    assert "rejected by U123: outside policy" in comment
    assert "estimated cost $0.0000" in comment


async def test_comment_without_proposals_says_so() -> None:
    result = await run_agent(context=conversation("hi"), model_client=OfflineModel())
    bare = result.model_copy(update={"proposed_actions": [], "cost_usd": None})
    comment = compose_comment(bare)
    assert "Proposed actions: none" in comment
    assert "estimated cost unknown" in comment


async def test_a_draft_still_breaking_a_check_is_flagged_first_with_each_rule() -> None:
    result = await run_agent(context=conversation("hi"), model_client=OfflineModel())
    flagged = result.model_copy(
        update={
            "redrafted": True,
            "draft_violations": [
                Violation(check="internal_id", detail="act_1"),
                Violation(check="placeholder", detail="[Name]"),
            ],
        }
    )

    lines = compose_comment(flagged).splitlines()

    assert lines[:3] == [
        "DRAFT FLAGGED: it still breaks 2 draft check(s) after one rewrite; "
        "read it closely before sending.",
        "- internal id: act_1",
        "- placeholder: [Name]",
    ]
    assert "DRAFT FLAGGED" not in compose_comment(result)
    assert compose_comment(result.model_copy(update={"redrafted": True})).endswith(
        "the rewrite passes."
    )
