"""handle-inbound-message: a customer's message becomes routed actions and a truthful draft.

One run per conversation: `singleton` in cancel mode. A later message cancels the conversation's
running run (between its steps) and starts a fresh one, which gathers the thread after it starts
and so answers every message, the later one included. Skip mode would drop that later message
when it arrives after the running run read the thread; debounce would delay every reply and still
let a run start beside one that is already drafting. A concurrency key alone only limits steps in
flight: two runs of one conversation would interleave.

Nothing a cancelled run did is done twice. The concurrency key stays, so the new run's first step
waits for the cancelled run's last one to end. Its actions are in the database; the new run finds
them as repeats of what it proposes and finishes them instead of creating new ones: an automatic
action is executed at most once (its status is checked and the app sees its id as the idempotency
key), and an approval request is sent again under its action id as event id, which Inngest and
the engine drop as a duplicate within 24 h. Its draft is replaced by the new run's.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import inngest

from agent.loop import DEFAULT_MAX_TURNS, finish, next_turn, start
from agent.result import AgentResult, AgentState
from agent.triage import Triage
from workflows.events import (
    APPROVAL_REQUESTED,
    INBOUND_RECEIVED,
    ApprovalRequested,
    FunctionFailed,
    InboundReceived,
)
from workflows.functions.durable import OUTAGE_RETRIES, run_step, run_step_until_done
from workflows.services import Services
from workflows.steps.actions import Routed, RoutedAction, route_actions
from workflows.steps.checks import check_and_redraft
from workflows.steps.context import Gathered, UnknownApp, gather_context
from workflows.steps.execution import execute_action, fail_unfinished_actions
from workflows.steps.replies import DraftResult, add_comment, create_draft, escalate_failed_run
from workflows.steps.triage import Triaged, hold_back, triage_message

logger = logging.getLogger(__name__)

# Attempts after the first, enough to outlive an outage of minutes (see OUTAGE_RETRIES); after
# the last one the conversation is handed to a person.
INBOUND_RETRIES = OUTAGE_RETRIES
# Inngest (and the engine) drop an event whose id was seen in the last 24 hours; an hour spare.
EVENT_ID_DEDUPE = timedelta(hours=23)


def create_inbound_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """The workflow bound to one client and one set of services."""

    async def escalate(ctx: inngest.Context) -> None:
        failure = FunctionFailed.model_validate(ctx.event.data)
        conversation_id = failure.original_data.get("conversation_id")
        message, run_id = failure.message, failure.run_id

        async def give_up() -> list[str]:
            failed = await fail_unfinished_actions(services, run_id=run_id, error=message)
            if isinstance(conversation_id, str):
                await escalate_failed_run(services, conversation_id=conversation_id, error=message)
            logger.warning("run %s for %s escalated: %s", run_id, conversation_id, message)
            return failed

        await run_step_until_done(ctx, "escalate", give_up)

    @client.create_function(
        fn_id="handle-inbound-message",
        name="Handle inbound message",
        trigger=inngest.TriggerEvent(event=INBOUND_RECEIVED),
        singleton=inngest.Singleton(key="event.data.conversation_id", mode="cancel"),
        concurrency=[inngest.Concurrency(limit=1, key="event.data.conversation_id")],
        retries=INBOUND_RETRIES,
        on_failure=escalate,
    )
    async def handle_inbound_message(ctx: inngest.Context) -> dict[str, Any]:
        inbound = InboundReceived.model_validate(ctx.event.data)

        async def gather() -> Gathered:
            try:
                return await gather_context(services, inbound)
            except UnknownApp as exc:
                raise inngest.NonRetriableError(str(exc)) from exc

        gathered = await run_step(ctx, "gather-context", Gathered, gather)
        if gathered.already_answered:
            return {"status": "already-answered"}
        context = gathered.context

        async def sort_mail() -> Triaged:
            return await triage_message(services, inbound=inbound, context=context)

        triaged = await run_step(ctx, "triage", Triaged, sort_mail)
        if triaged.route != "draft":

            async def leave_to_people() -> None:
                await hold_back(
                    services,
                    run_id=ctx.run_id,
                    triaged=triaged,
                    context=context,
                    customer_message_ids=gathered.customer_message_ids,
                )

            await ctx.step.run("hold-back", leave_to_people)
            return {"status": "triaged", "kind": triaged.kind, "route": triaged.route}

        state = start(context)
        while state.finished is None and state.turns < DEFAULT_MAX_TURNS:
            turn = functools.partial(
                next_turn,
                state,
                context=context,
                model_client=services.model_client,
                model=services.settings.anthropic_model,
            )
            state = await run_step(ctx, "agent-reasoning", AgentState, turn)
        first = finish(state, model=services.settings.anthropic_model)

        async def route() -> Routed:
            return await route_actions(
                services,
                run_id=ctx.run_id,
                result=first,
                context=context,
                transcript=state.transcript,
                triage=Triage(kind=triaged.kind, reason=triaged.reason, by=triaged.by),
            )

        routed = await run_step(ctx, "route-actions", Routed, route)
        actions = [await _carry_out(ctx, services, a, inbound) for a in routed.actions]

        async def check() -> AgentResult:
            return await check_and_redraft(
                services,
                run_id=ctx.run_id,
                result=first,
                state=state,
                context=context,
                actions=actions,
            )

        result = await run_step(ctx, "check-draft", AgentResult, check)

        async def draft() -> DraftResult:
            return await create_draft(
                services,
                run_id=ctx.run_id,
                result=result,
                actions=actions,
                context=context,
                customer_message_ids=gathered.customer_message_ids,
            )

        drafted = await run_step(ctx, "create-draft", DraftResult, draft)
        if not drafted.superseded:

            async def comment() -> None:
                await add_comment(
                    services,
                    result=result,
                    actions=actions,
                    context=context,
                    kept_edit_by=drafted.kept_edit_by,
                )

            await ctx.step.run("comment", comment)
        return {
            "draft_id": drafted.draft_id,
            "superseded": drafted.superseded,
            "actions": {a.action_id: a.status for a in actions},
        }

    return handle_inbound_message


async def _carry_out(
    ctx: inngest.Context, services: Services, action: RoutedAction, inbound: InboundReceived
) -> RoutedAction:
    """Execute an auto action, or ask for approval of a risky one, once.

    A repeat of an earlier run's action is finished, not redone: that run may have been cancelled
    between proposing the action and carrying it out."""
    if action.repeated and not _unfinished_repeat(ctx, services, action):
        return action
    if action.status == "auto":

        async def execute() -> RoutedAction:
            done = await execute_action(services, action.action_id)
            return (
                action
                if done is None
                else action.model_copy(update={"status": done.status, "error": done.error})
            )

        return await run_step(ctx, f"execute-{action.action_id}", RoutedAction, execute)
    if action.status == "pending" and action.expires_at is not None:
        request = ApprovalRequested(
            action_id=action.action_id,
            app_id=inbound.app_id,
            conversation_id=inbound.conversation_id,
            tool=action.tool,
            params=action.params,
            expires_at=action.expires_at,
        )
        await ctx.step.send_event(
            f"request-approval-{action.action_id}",
            inngest.Event(
                name=APPROVAL_REQUESTED,
                data=request.model_dump(mode="json"),
                id=action.action_id,
            ),
        )
    return action


def _unfinished_repeat(ctx: inngest.Context, services: Services, action: RoutedAction) -> bool:
    """Whether carrying out a repeated action again is safe and may be needed.

    An automatic action still `auto` has not run (executing it checks and sets its status). A
    pending one may never have been requested: sending its request again is dropped as a duplicate
    event id while the first is under 24 h old, judged at the triggering event's time so replays
    of the run decide alike."""
    if action.status == "auto":
        return True
    if action.status != "pending" or action.expires_at is None:
        return False
    requested_at = action.expires_at - services.settings.approval_timeout
    received_at = datetime.fromtimestamp((ctx.event.ts or 0) / 1000, tz=UTC)
    return received_at - requested_at < EVENT_ID_DEDUPE
