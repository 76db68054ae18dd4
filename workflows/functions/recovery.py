"""Cron functions that keep approvals moving when a run missed an event or is gone.

resend-decisions  every minute: a decision no run has taken up 30 s after it was made is sent
                  again, so a wait registered after the first event (inngest/inngest#1433) or an
                  event that was lost still resumes the run.
sweep-approvals   every minute: an action still pending past its deadline is expired, and any
                  settled action no run has taken up (expired, or decided 3 minutes ago) gets a
                  fresh approval run, which executes, redrafts or reports it exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import inngest

from workflows.events import (
    ACTION_DECIDED,
    APPROVAL_REQUESTED,
    ActionDecided,
    ApprovalRequested,
)
from workflows.services import Services
from workflows.steps.recovery import expire_overdue, stranded_actions, unheard_decisions

EVERY_MINUTE = "* * * * *"


def _minute(now: datetime) -> int:
    # Part of the ids of re-sent events: a retried step within the same minute sends nothing
    # new, the next minute sends again. The original ids cannot be reused: Inngest (and the
    # embedded engine) drop an event whose id was seen in the last 24 hours.
    return int(now.timestamp() // 60)


def create_resend_decisions_function(
    client: inngest.Inngest, services: Services
) -> inngest.Function[Any]:
    """Re-send `action/decided` for decisions their run has not taken up."""

    async def resend() -> int:
        now = services.clock()
        unheard = await unheard_decisions(services, now=now)
        events = [
            inngest.Event(
                name=ACTION_DECIDED,
                data=ActionDecided.model_validate(u.model_dump()).model_dump(mode="json"),
                id=f"decided-{u.action_id}-{_minute(now)}",
            )
            for u in unheard
        ]
        if events:
            await client.send(events)
        return len(events)

    @client.create_function(
        fn_id="resend-decisions",
        name="Re-send decisions no run has taken up",
        trigger=inngest.TriggerCron(cron=EVERY_MINUTE),
        concurrency=[inngest.Concurrency(limit=1)],
        retries=1,
    )
    async def resend_decisions(ctx: inngest.Context) -> dict[str, int]:
        return {"resent": await ctx.step.run("resend-unheard-decisions", resend)}

    return resend_decisions


def create_sweep_function(client: inngest.Inngest, services: Services) -> inngest.Function[Any]:
    """Expire overdue actions and start a fresh approval run for those no run has taken up."""

    async def expire() -> list[str]:
        return await expire_overdue(services, now=services.clock())

    async def take_over(expired_now: list[str]) -> int:
        now = services.clock()
        stranded = await stranded_actions(services, now=now, expired_now=expired_now)
        events = [
            inngest.Event(
                name=APPROVAL_REQUESTED,
                data=ApprovalRequested(
                    action_id=a.id,
                    app_id=a.app_id,
                    conversation_id=a.conversation_id,
                    tool=a.tool,
                    params=a.params,
                    expires_at=a.expires_at or now,
                ).model_dump(mode="json"),
                id=f"takeover-{a.id}-{_minute(now)}",
            )
            for a in stranded
        ]
        if events:
            await client.send(events)
        return len(events)

    @client.create_function(
        fn_id="sweep-approvals",
        name="Expire overdue approvals and take over stranded ones",
        trigger=inngest.TriggerCron(cron=EVERY_MINUTE),
        concurrency=[inngest.Concurrency(limit=1)],
        retries=1,
    )
    async def sweep_approvals(ctx: inngest.Context) -> dict[str, int]:
        expired = await ctx.step.run("expire-overdue", expire)
        taken_over = await ctx.step.run("take-over-stranded", take_over, expired)
        return {"expired": len(expired), "taken_over": taken_over}

    return sweep_approvals
