"""handle-approval: a risky action waits for a person, then runs once, is dropped, or expires.

The row in `actions` is the truth. The run reads it, then waits once per phase (until the
reminder, then until the deadline) for `action/decided`, and reads it again after each wait. A
decision whose event the wait never saw (sent before the wait was registered,
inngest/inngest#1433, or lost) is re-sent by the `resend-decisions` reconciler; an action whose
run is gone is taken over by the `sweep-approvals` cron (see workflows/functions/recovery.py).
"""

from __future__ import annotations

import functools
import logging
import math
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
from workflows.steps.recovery import Closure, close_after_failure
from workflows.steps.redraft import RedraftStart, refresh_draft, start_redraft
from workflows.steps.replies import DraftResult

logger = logging.getLogger(__name__)

# While Slack refuses the card, the run checks (and tries the card) this often, not only at the
# reminder and the deadline; at most CARD_RETRIES times, so an outage cannot multiply the steps.
CARD_RETRY = timedelta(minutes=10)
CARD_RETRIES = 18
APPROVAL_RETRIES = OUTAGE_RETRIES  # outlives an outage of minutes
REDRAFT_MAX_TURNS = 3


def create_approval_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """The approval workflow bound to one client and one set of services."""

    async def give_up(ctx: inngest.Context) -> None:
        # After the engine's last retry, whatever the cause: the action must not stay pending or
        # approved with nobody left to act on it.
        failure = FunctionFailed.model_validate(ctx.event.data)
        action_id = failure.original_data.get("action_id")
        if not isinstance(action_id, str):
            return

        async def close() -> dict[str, Any]:
            closure = await close_after_failure(
                services, action_id, run_id=failure.run_id, error=failure.message
            )
            return closure.model_dump(mode="json")

        # During an outage this cannot be written yet: it is tried again until it is.
        closed = Closure.model_validate(
            await run_step_until_done(ctx, "close-after-failure", close)
        )
        if closed.status is not None:
            await _report(ctx, services, action_id, closed.status, new_reply=None)

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
        # While Slack is down the console has the approval, and the checks retry the card.
        await run_side_step(
            ctx, "post-approval-card", functools.partial(post_card, services, action_id)
        )

        state = await _wait_for_decision(ctx, services, action_id)
        if not state.taken_up:
            # Another run (the original, or one the sweep started) acts on this outcome.
            return {"action_id": action_id, "status": state.status, "taken_up": False}
        status = state.status
        if status == "approved":
            status = await _execute(ctx, services, action_id)
        new_reply = await _redraft(ctx, services, action_id) if status == "rejected" else None
        await _report(ctx, services, action_id, status, new_reply=new_reply)
        return {"action_id": action_id, "status": status, "taken_up": True}

    return handle_approval


async def _wait_for_decision(
    ctx: inngest.Context, services: Services, action_id: str
) -> DecisionState:
    """Read the row, and wait until it leaves `pending`: one wait per phase, not per slice."""
    check = functools.partial(check_decision, services, action_id, run_id=ctx.run_id)
    card_retries = 0
    while True:
        state = await run_step(ctx, "check-decision", DecisionState, check)
        if state.status != "pending":
            return state
        retry_card = state.card_failed and card_retries < CARD_RETRIES
        card_retries += 1 if retry_card else 0
        await ctx.step.wait_for_event(
            "wait-for-decision",
            event=ACTION_DECIDED,
            if_exp=f"async.data.action_id == '{action_id}'",
            timeout=wait_timeout(state, retry_card=retry_card),
        )


def wait_timeout(state: DecisionState, *, retry_card: bool = False) -> timedelta:
    """Until the reminder, the deadline or the next try of a refused card, whichever is first.

    Whole seconds, rounded up and at least one: the SDK refuses anything else, and waking a
    moment after the deadline (never before it) lets that check expire the action.
    """
    due = [state.seconds_left]
    if state.seconds_to_reminder is not None:
        due.append(state.seconds_to_reminder)
    if retry_card:
        due.append(CARD_RETRY.total_seconds())
    return timedelta(seconds=max(math.ceil(min(due)), 1))


async def _execute(ctx: inngest.Context, services: Services, action_id: str) -> str:
    """Run the approved action once; after the engine's last retry it is marked failed."""
    try:
        done = await run_step(
            ctx, "execute-action", Execution, functools.partial(_executed, services, action_id)
        )
    except (inngest.StepError, inngest.NonRetriableError) as error:
        # A NonRetriableError leaves `step.run` as itself, not as a StepError. A RetryAfterError
        # does too, and must: the engine retries after the delay, and after the last attempt
        # the failure handler marks the action failed.
        await ctx.step.run(
            "mark-failed", functools.partial(fail_action, services, action_id, error=str(error))
        )
        return "failed"
    return done.status


async def _executed(services: Services, action_id: str) -> Execution:
    try:
        done = await execute_action(services, action_id)
    except inngest.NonRetriableError as error:
        # Settled inside the step, so the failure is memoized with it and never re-run.
        await fail_action(services, action_id, error=str(error))
        return Execution(status="failed", error=str(error))
    return done if done is not None else Execution(status="failed", error="the action is gone")


async def _report(
    ctx: inngest.Context, services: Services, action_id: str, status: str, *, new_reply: str | None
) -> None:
    """Card, draft and comment say how the approval ended; executions and expiries announced."""
    await ctx.step.run("update-card", functools.partial(update_card, services, action_id))
    drafted = await run_step(
        ctx,
        "update-draft",
        DraftResult,
        functools.partial(refresh_draft, services, action_id, new_reply=new_reply),
    )
    await ctx.step.run(
        "comment",
        functools.partial(comment_outcome, services, action_id, kept_edit_by=drafted.kept_edit_by),
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
