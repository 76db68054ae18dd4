"""handle-approval: a risky action waits for a person, then runs once, is dropped, or expires.

The row in `actions` is the truth. The run waits for `action/decided` in slices and re-reads the
row after each one, so a decision sent before the wait was registered (inngest/inngest#1433) is
still seen: within `FIRST_SLICE` in the usual case, within `SLICE` if it lands in the moment the
run re-arms a later wait.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from typing import Any

import inngest

from agent.loop import finish, next_turn
from agent.result import AgentState
from workflows.events import (
    ACTION_DECIDED,
    ACTION_EXECUTED,
    ACTION_EXPIRED,
    APPROVAL_REQUESTED,
    ActionExecuted,
    ActionExpired,
    ApprovalRequested,
    FunctionFailed,
)
from workflows.functions.durable import (
    OUTAGE_RETRIES,
    run_side_step,
    run_step,
    run_step_until_done,
)
from workflows.services import Services
from workflows.steps.approval import (
    DecisionState,
    check_decision,
    comment_outcome,
    post_card,
    update_card,
)
from workflows.steps.execution import Execution, execute_action, fail_action
from workflows.steps.redraft import RedraftStart, refresh_draft, start_redraft
from workflows.steps.replies import DraftResult

logger = logging.getLogger(__name__)

FIRST_SLICE = timedelta(seconds=30)
SLICE = timedelta(minutes=10)
APPROVAL_RETRIES = OUTAGE_RETRIES  # outlives an outage of minutes
REDRAFT_MAX_TURNS = 3


def create_approval_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """The approval workflow bound to one client and one set of services."""

    async def give_up(ctx: inngest.Context) -> None:
        failure = FunctionFailed.model_validate(ctx.event.data)
        action_id = failure.original_data.get("action_id")
        message = failure.message
        if not isinstance(action_id, str):
            return

        async def mark_failed() -> bool:
            failed = await fail_action(services, action_id, error=message)
            if failed:
                await update_card(services, action_id)
                await comment_outcome(services, action_id)
            return failed

        await run_step_until_done(ctx, "mark-failed", mark_failed)

    @client.create_function(
        fn_id="handle-approval",
        name="Handle approval",
        trigger=inngest.TriggerEvent(event=APPROVAL_REQUESTED),
        concurrency=[inngest.Concurrency(limit=1, key="event.data.conversation_id")],
        retries=APPROVAL_RETRIES,
        on_failure=give_up,
    )
    async def handle_approval(ctx: inngest.Context) -> dict[str, Any]:
        action_id = ApprovalRequested.model_validate(ctx.event.data).action_id
        # While Slack is down the console has the approval, and each check retries the card.
        await run_side_step(
            ctx, "post-approval-card", functools.partial(post_card, services, action_id)
        )

        status = await _wait_for_decision(ctx, services, action_id)
        if status == "approved":
            status = await _execute(ctx, services, action_id)
        new_reply = await _redraft(ctx, services, action_id) if status == "rejected" else None

        await ctx.step.run("update-card", functools.partial(update_card, services, action_id))
        drafted = await run_step(
            ctx,
            "update-draft",
            DraftResult,
            functools.partial(refresh_draft, services, action_id, new_reply=new_reply),
        )
        await ctx.step.run(
            "comment",
            functools.partial(
                comment_outcome, services, action_id, kept_edit_by=drafted.kept_edit_by
            ),
        )
        if status == "executed":
            await ctx.step.send_event(
                "announce-executed",
                inngest.Event(
                    name=ACTION_EXECUTED,
                    data=ActionExecuted(action_id=action_id).model_dump(mode="json"),
                    id=f"executed-{action_id}",
                ),
            )
        elif status == "expired":
            await ctx.step.send_event(
                "announce-expired",
                inngest.Event(
                    name=ACTION_EXPIRED,
                    data=ActionExpired(action_id=action_id).model_dump(mode="json"),
                    id=f"expired-{action_id}",
                ),
            )
        return {"action_id": action_id, "status": status}

    return handle_approval


async def _wait_for_decision(ctx: inngest.Context, services: Services, action_id: str) -> str:
    """Wait in slices until the row leaves `pending` (decided, or expired by a check)."""
    check = functools.partial(check_decision, services, action_id)
    slice_ = FIRST_SLICE
    while True:
        state = await run_step(ctx, "check-decision", DecisionState, check)
        if state.status != "pending":
            return state.status
        await ctx.step.wait_for_event(
            "wait-for-decision",
            event=ACTION_DECIDED,
            if_exp=f"async.data.action_id == '{action_id}'",
            timeout=_next_wake(slice_, state),
        )
        slice_ = SLICE


def _next_wake(slice_: timedelta, state: DecisionState) -> timedelta:
    """The wait ends at the slice, the reminder or the deadline, whichever comes first."""
    due = [slice_.total_seconds(), state.seconds_left]
    if state.seconds_to_reminder is not None:
        due.append(state.seconds_to_reminder)
    return timedelta(seconds=max(min(due), 1.0))


async def _execute(ctx: inngest.Context, services: Services, action_id: str) -> str:
    """Run the approved action once; after the engine's last retry it is marked failed."""
    try:
        done = await run_step(
            ctx, "execute-action", Execution, functools.partial(_executed, services, action_id)
        )
    except inngest.StepError as error:
        await ctx.step.run(
            "mark-failed", functools.partial(fail_action, services, action_id, error=str(error))
        )
        return "failed"
    return done.status


async def _executed(services: Services, action_id: str) -> Execution:
    done = await execute_action(services, action_id)
    return done if done is not None else Execution(status="failed", error="the action is gone")


async def _redraft(ctx: inngest.Context, services: Services, action_id: str) -> str | None:
    """Let the agent rewrite its reply without the rejected action; None if it cannot."""

    async def load() -> dict[str, Any] | None:
        begun = await start_redraft(services, action_id)
        return None if begun is None else begun.model_dump(mode="json")

    started = await ctx.step.run("start-redraft", load)
    if started is None:
        return None
    begun = RedraftStart.model_validate(started)
    state = begun.state
    model = services.settings.anthropic_model
    while state.finished is None and state.turns < REDRAFT_MAX_TURNS:
        turn = functools.partial(
            next_turn, state, context=begun.context, model_client=services.model_client, model=model
        )
        state = await run_step(ctx, "redraft", AgentState, turn)
    if state.finished != "completed":
        return None
    # Proposals made while redrafting are ignored: the reviewer asked for a reply, not actions.
    return finish(state, model=model).draft or None
