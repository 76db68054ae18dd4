"""An approver who edits an action before approving it: the draft and the comment say what ran."""

from __future__ import annotations

from tests.flow.approvals import LEAD, action, approval_run, click, pending_refund, waiting
from tests.flow.inbound import actions, comments, drafts, handled, inbound
from tests.flow.stack import Stack

# Katherine's team licence cost $499.00; the approver refunds $100.00 of it.
EDITED = {"amount_cents": 10_000}


async def test_the_draft_states_the_edited_amount_that_was_refunded(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    await click(stack, pending.id, edits=EDITED)
    await approval_run(stack, pending.id)

    assert (await action(stack, pending.id)).status == "executed"
    [draft] = await drafts(stack, pending.conversation_id)
    assert "Your refund of $100.00 for Team licence (5 seats) has been issued" in draft.body
    assert "499" not in draft.body


async def test_the_comment_shows_the_edit_in_money_and_who_made_it(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    await click(stack, pending.id, edits=EDITED)
    await approval_run(stack, pending.id)

    notes = [c.body for c in await comments(stack, pending.conversation_id)]
    outcome = notes[-1]
    assert f"$499.00 → $100.00 by {LEAD.name}" in outcome
    assert "done" in outcome
    assert "amount_cents" not in outcome


async def test_a_later_runs_draft_is_rewritten_after_the_edit(stack: Stack) -> None:
    # A second message in the same conversation repeats the pending refund; that run's draft is
    # the current one when the approver edits the amount and approves.
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    again = inbound(
        "Any news? I would like a refund for my team licence please.",
        sender="katherine@example.com",
        conversation_id=pending.conversation_id,
    )
    await handled(stack, again)
    assert [a.id for a in await actions(stack, pending.conversation_id)] == [pending.id]
    [before] = await drafts(stack, pending.conversation_id)
    assert before.run_id != pending.run_id

    await click(stack, pending.id, edits=EDITED)
    await approval_run(stack, pending.id)

    [after] = await drafts(stack, pending.conversation_id)
    assert "Your refund of $100.00 for Team licence (5 seats) has been issued" in after.body
    assert "reviewing" not in after.body
    assert "499" not in after.body
