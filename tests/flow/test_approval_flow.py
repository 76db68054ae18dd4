"""A risky action waits for a person: approve, reject, edit, expire, and the races between them."""

from __future__ import annotations

import asyncio

from sqlalchemy import update
from sqlmodel import col

from tests.flow.approvals import (
    LEAD,
    OTHER,
    action,
    approval_run,
    click,
    demo_app,
    demo_operations,
    pending_refund,
    waiting,
)
from tests.flow.inbound import actions, comments, drafts, handled, inbound
from tests.flow.stack import Stack, finished_despite_retries
from tests.stand_in import StandIn
from workflows.functions.approval import APPROVAL_RETRIES
from workflows.steps.recovery import RESEND_AFTER
from workflows.store.crud import create_app, list_audit_entries
from workflows.store.models import Action, Draft


async def test_approve_executes_once_and_the_draft_and_comment_follow(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    result = await click(stack, pending.id)

    assert result.outcome == "decided"
    run = await approval_run(stack, pending.id)
    assert run["status"] == "Completed", run
    done = await action(stack, pending.id)
    assert (done.status, done.decided_by) == ("executed", LEAD.name)
    [operation] = await demo_operations(stack)
    assert operation.idempotency_key == pending.id
    [draft] = await drafts(stack, pending.conversation_id)
    assert "has been issued" in draft.body
    assert "reviewing" not in draft.body
    assert any(
        "approved by Lee Lead" in c.body for c in await comments(stack, pending.conversation_id)
    )
    async with stack.sessions() as session:
        trail = await list_audit_entries(session=session, subject=pending.id)
    assert [(e.actor, e.action) for e in reversed(trail)] == [
        ("agent", "action.pending"),
        ("console:lead@example.com", "action.approved"),
        ("agent", "action.checked"),
        ("agent", "action.executed"),
    ]


async def test_reject_with_a_reason_redrafts_and_executes_nothing(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    result = await click(stack, pending.id, "rejected", reason="Outside the 30-day window")

    assert result.outcome == "decided"
    await approval_run(stack, pending.id)
    done = await action(stack, pending.id)
    assert (done.status, done.decision_reason) == ("rejected", "Outside the 30-day window")
    assert await demo_operations(stack) == []
    [draft] = await drafts(stack, pending.conversation_id)
    assert "not able to go ahead with your refund request" in draft.body
    assert "Thank you for your patience" in draft.body  # the agent's rewritten reply
    assert "30-day" not in draft.body  # the reason is for teammates only
    notes = " ".join(c.body for c in await comments(stack, pending.conversation_id))
    assert "Outside the 30-day window" in notes


async def test_an_edited_amount_is_rechecked_then_executed(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    too_much = await click(stack, pending.id, edits={"amount_cents": 10_000_000})
    assert too_much.outcome == "invalid"
    assert (await action(stack, pending.id)).status == "pending"
    smaller = await click(stack, pending.id, edits={"amount_cents": 10_000})

    assert smaller.outcome == "decided"
    await approval_run(stack, pending.id)
    [operation] = await demo_operations(stack)
    assert operation.request["amount_cents"] == 10_000
    assert (await action(stack, pending.id)).params["amount_cents"] == 10_000


async def test_nobody_deciding_expires_the_action_after_the_timeout(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    stack.clock.advance(stack.settings.approval_timeout.total_seconds() + 1)
    run = await approval_run(stack, pending.id)

    assert run["status"] == "Completed", run
    assert (await action(stack, pending.id)).status == "expired"
    late = await click(stack, pending.id)
    assert late.outcome == "expired"
    assert await demo_operations(stack) == []
    [draft] = await drafts(stack, pending.conversation_id)
    assert "not finished reviewing your refund request" in draft.body


async def test_twenty_concurrent_clicks_from_two_approvers_execute_once(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    results = await asyncio.gather(
        *(click(stack, pending.id, who=LEAD if i % 2 else OTHER) for i in range(20))
    )

    assert [r.outcome for r in results].count("decided") == 1
    winner = next(r for r in results if r.outcome == "decided")
    assert all(r.decided_by == winner.decided_by for r in results if r.outcome == "already_decided")
    await approval_run(stack, pending.id)
    assert len(await demo_operations(stack)) == 1


async def test_approve_and_reject_at_the_same_instant_have_one_outcome(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    approve, reject = await asyncio.gather(
        click(stack, pending.id), click(stack, pending.id, "rejected", who=OTHER, reason="no")
    )

    assert sorted([approve.outcome, reject.outcome]) == ["already_decided", "decided"]
    await approval_run(stack, pending.id)
    final = (await action(stack, pending.id)).status
    assert final == ("executed" if approve.outcome == "decided" else "rejected")
    assert len(await demo_operations(stack)) == (1 if final == "executed" else 0)


async def test_a_decision_the_wait_never_heard_of_still_takes_effect(stack: Stack) -> None:
    # The row is decided but no event reaches the run: as when a decision lands before the
    # wait is registered (inngest/inngest#1433), or its event is lost. The reconciler re-sends it.
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    async with stack.sessions.begin() as session:
        await session.exec(
            update(Action)
            .where(col(Action.id) == pending.id)
            .values(status="approved", decided_by=LEAD.name)
        )

    stack.clock.advance(RESEND_AFTER.total_seconds() + 60)
    run = await approval_run(stack, pending.id)

    assert run["status"] == "Completed", run
    assert (await action(stack, pending.id)).status == "executed"
    assert len(await demo_operations(stack)) == 1


async def test_an_approval_made_before_the_run_starts_is_executed(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    await stack.restart_engine()  # the run's in-memory state is gone; its pause is stored

    await click(stack, pending.id)
    run = await approval_run(stack, pending.id)

    assert run["status"] == "Completed", run
    assert (await action(stack, pending.id)).status == "executed"
    assert len(await demo_operations(stack)) == 1


async def test_an_execution_the_app_refuses_marks_the_action_failed(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    async with stack.services.integration(await demo_app(stack)) as integration:
        await integration.refund(
            purchase_id=pending.params["purchase_id"],
            amount_cents=pending.params["amount_cents"],
            reason="refunded by phone meanwhile",
            idempotency_key="by-phone",
        )

    await click(stack, pending.id)
    await approval_run(stack, pending.id)

    failed = await action(stack, pending.id)
    assert failed.status == "failed"
    assert failed.error
    notes = " ".join(c.body for c in await comments(stack, pending.conversation_id))
    assert "failed" in notes


async def test_a_draft_a_person_edited_is_kept_and_the_comment_says_so(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    [draft] = await drafts(stack, pending.conversation_id)
    async with stack.sessions.begin() as session:
        edited = await session.get(Draft, draft.id)
        assert edited is not None
        edited.body, edited.edited_by = "Hi Katherine, my own words.", "lead@example.com"

    await click(stack, pending.id)
    await approval_run(stack, pending.id)

    assert (await action(stack, pending.id)).status == "executed"
    [kept] = await drafts(stack, pending.conversation_id)
    assert (kept.id, kept.body) == (draft.id, "Hi Katherine, my own words.")
    notes = " ".join(c.body for c in await comments(stack, pending.conversation_id))
    assert "edited by lead@example.com" in notes


async def test_an_execution_that_keeps_failing_is_marked_failed_after_the_retries(
    stack: Stack, stand_in: StandIn
) -> None:
    # A product whose integration looks customers up but answers every refund with a 502.
    stand_in.reply("POST", "/lookup-user", body={"user": {"id": "usr_1", "email": "kim@x.io"}})
    purchase = {
        "id": "pur_1",
        "product": "Pro",
        "amount_cents": 90000,
        "currency": "USD",
        "purchased_at": "2025-01-01T00:00:00Z",
        "status": "paid",
    }
    stand_in.reply("POST", "/purchases", body={"purchases": [purchase]})
    stand_in.reply("POST", "/refund", status=502, body={"error": "down"})
    async with stack.sessions.begin() as session:
        await create_app(
            session=session,
            id="flaky",
            name="Flaky app",
            integration_url=stand_in.url,
            integration_secret="s3cret",
            front_inbox_ids=["inb_flaky"],
        )
    message = inbound("I want a refund please.", sender="kim@x.io").model_copy(
        update={"app_id": "flaky", "inbox_id": "inb_flaky"}
    )
    await handled(stack, message)
    [pending] = await actions(stack, message.conversation_id)
    await waiting(stack, pending.id)

    await click(stack, pending.id)
    run = await finished_despite_retries(stack, pending.id)

    assert run["status"] == "Completed", run
    assert len(stand_in.received("POST", "/refund")) == APPROVAL_RETRIES + 1
    failed = await action(stack, pending.id)
    assert failed.status == "failed"
    assert failed.error
    notes = " ".join(c.body for c in await comments(stack, pending.conversation_id))
    assert "but it failed" in notes
