"""Approvals keep their promise when time is odd, events are missed and runs fail or vanish."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.console.slack_requests import SECRET
from tests.flow.approvals import (
    action,
    approval_run,
    click,
    demo_operations,
    pending_refund,
    waiting,
)
from tests.flow.inbound import actions, comments, drafts, handled, inbound
from tests.flow.recovery import (
    advance_and_settle,
    audit_actions,
    copy_with_deadline,
    lose_approval_run,
    pauses,
    steps_of,
)
from tests.flow.stack import Stack, finished_despite_retries, running_stack, stack_settings
from tests.integrations.slack_stand_in import CHANNEL, TOKEN, SlackStandIn
from tests.stand_in import StandIn
from workflows.events import APPROVAL_REQUESTED
from workflows.functions.approval import APPROVAL_RETRIES
from workflows.steps.recovery import TAKEOVER_AFTER
from workflows.store.crud import create_app


async def test_an_undecided_approval_due_in_a_fraction_of_a_second_expires_on_time(
    stack: Stack,
) -> None:
    # 90.5 s: every wait computed from the deadline falls between two whole seconds.
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    odd = await copy_with_deadline(stack, pending, seconds=90.5)

    async def both_waiting() -> bool | None:
        return True if await pauses(stack) == 2 else None

    await stack.harness.settle(both_waiting)
    await advance_and_settle(stack, 30)
    await advance_and_settle(stack, 61)
    run = await approval_run(stack, odd.id)

    assert run["status"] == "Completed", run
    expired = await action(stack, odd.id)
    assert expired.status == "expired"
    assert expired.updated_at - (expired.expires_at or expired.updated_at) <= timedelta(minutes=1)
    assert "action.expired" in await audit_actions(stack, odd.id)
    notes = " ".join(c.body for c in await comments(stack, odd.conversation_id))
    assert "nobody decided before it expired" in notes
    assert (await click(stack, odd.id)).outcome == "expired"
    assert await demo_operations(stack) == []


async def test_an_approval_whose_run_is_gone_is_still_executed_once(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    await lose_approval_run(stack, pending.id)

    result = await click(stack, pending.id)
    assert result.outcome == "decided"

    async def executed() -> bool | None:
        stack.clock.advance(60)  # the reconciler re-sends; then the sweep takes over
        return True if (await action(stack, pending.id)).status == "executed" else None

    await stack.harness.settle(executed)
    await _told(stack, pending.conversation_id, "approved by Lee Lead")
    done = await action(stack, pending.id)
    assert done.updated_at - (done.decided_at or done.updated_at) <= TAKEOVER_AFTER * 2
    assert len(await demo_operations(stack)) == 1
    [draft] = await drafts(stack, pending.conversation_id)
    assert "has been issued" in draft.body


async def test_an_undecided_action_whose_run_is_gone_expires_within_a_minute_of_its_deadline(
    stack: Stack,
) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    await lose_approval_run(stack, pending.id)

    stack.clock.advance(stack.settings.approval_timeout.total_seconds())
    stack.clock.advance(60)

    async def reported() -> bool | None:
        notes = " ".join(c.body for c in await comments(stack, pending.conversation_id))
        return True if "nobody decided before it expired" in notes else None

    await stack.harness.settle(reported)
    assert (await action(stack, pending.id)).status == "expired"
    assert "action.expired" in await audit_actions(stack, pending.id)
    [draft] = await drafts(stack, pending.conversation_id)
    assert "not finished reviewing your refund request" in draft.body
    assert (await click(stack, pending.id)).outcome == "expired"
    assert await demo_operations(stack) == []


async def test_a_day_long_approval_with_a_reminder_takes_at_most_twelve_steps(
    database_url: str, tmp_path: Path
) -> None:
    async with SlackStandIn() as slack:
        settings = stack_settings(
            database_url,
            tmp_path,
            slack_bot_token=TOKEN,
            slack_signing_secret=SECRET,
            slack_api_url=slack.api_url,
            slack_approval_channel=CHANNEL,
            approval_reminder=timedelta(hours=2),
        )
        async with running_stack(settings) as stack:
            pending = await pending_refund(stack)
            await waiting(stack, pending.id)
            ts = str((await action(stack, pending.id)).slack_ts)
            for _ in range(23):  # hour by hour: a run that waits in slices wakes each time
                await advance_and_settle(stack, timedelta(hours=1).total_seconds())
            assert slack.thread(CHANNEL, ts)  # reminded at 22 h
            await click(stack, pending.id)
            run = await approval_run(stack, pending.id)

            assert run["status"] == "Completed", run
            assert (await action(stack, pending.id)).status == "executed"
            assert await steps_of(stack, run["run_id"]) <= 12


async def _fail_the_run(stack: Stack, action_id: str) -> None:
    """What the engine sends after a run's last retry: `inngest/function.failed`."""
    [run] = await stack.harness.runs(action_id)
    await lose_approval_run(stack, action_id)
    failed = await action(stack, action_id)
    await stack.harness.send(
        "inngest/function.failed",
        {
            "function_id": f"{stack.settings.inngest_app_id}-handle-approval",
            "run_id": run["run_id"],
            "error": {"name": "Error", "message": "the database went away"},
            "event": {
                "name": APPROVAL_REQUESTED,
                "data": {"action_id": action_id, "conversation_id": failed.conversation_id},
            },
        },
    )


async def _told(stack: Stack, conversation_id: str, words: str) -> None:
    async def commented() -> bool | None:
        notes = " ".join(c.body for c in await comments(stack, conversation_id))
        return True if words in notes else None

    await stack.harness.settle(commented)


async def test_a_pending_action_whose_run_failed_is_failed_and_everyone_is_told(
    stack: Stack,
) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    await _fail_the_run(stack, pending.id)
    await _told(stack, pending.conversation_id, "the database went away")

    failed = await action(stack, pending.id)
    assert failed.status == "failed"
    assert "action.failed" in await audit_actions(stack, pending.id)
    [draft] = await drafts(stack, pending.conversation_id)
    assert "reviewing" not in draft.body
    late = await click(stack, pending.id)
    assert late.outcome != "decided"
    assert await demo_operations(stack) == []


async def test_an_undecided_action_whose_run_failed_after_its_deadline_is_expired(
    stack: Stack,
) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    await lose_approval_run(stack, pending.id)
    stack.clock.advance(stack.settings.approval_timeout.total_seconds() + 1)

    await _fail_the_run(stack, pending.id)
    await _told(stack, pending.conversation_id, "nobody decided before it expired")

    assert (await action(stack, pending.id)).status == "expired"
    [draft] = await drafts(stack, pending.conversation_id)
    assert "not finished reviewing your refund request" in draft.body


@pytest.fixture
def rate_limited_app(stand_in: StandIn) -> StandIn:
    """A product whose integration looks customers up but answers every refund with a 429."""
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
    stand_in.reply(
        "POST", "/refund", status=429, body={"error": "slow down"}, headers={"retry-after": "1"}
    )
    return stand_in


async def test_an_execution_rate_limited_to_the_end_fails_with_card_comment_and_draft_updated(
    stack: Stack, rate_limited_app: StandIn
) -> None:
    # A 429 becomes a RetryAfterError, which leaves the step as itself, not as a StepError.
    async with stack.sessions.begin() as session:
        await create_app(
            session=session,
            id="busy",
            name="Busy app",
            integration_url=rate_limited_app.url,
            integration_secret="s3cret",
            front_inbox_ids=["inb_busy"],
        )
    message = inbound("I want a refund please.", sender="kim@x.io").model_copy(
        update={"app_id": "busy", "inbox_id": "inb_busy"}
    )
    await handled(stack, message)
    [pending] = await actions(stack, message.conversation_id)
    await waiting(stack, pending.id)

    await click(stack, pending.id)
    await finished_despite_retries(stack, pending.id)
    await _told(stack, pending.conversation_id, "but it failed")

    assert len(rate_limited_app.received("POST", "/refund")) == APPROVAL_RETRIES + 1
    failed = await action(stack, pending.id)
    assert failed.status == "failed"
    assert "action.failed" in await audit_actions(stack, pending.id)
    [draft] = await drafts(stack, pending.conversation_id)
    assert "reviewing" not in draft.body
