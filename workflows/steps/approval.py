"""The steps of an approval: the card, the checks of the row, expiry, and telling everyone."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import update
from sqlmodel import col, select

from workflows.approvals.view import load_action_view
from workflows.errors import IntegrationError
from workflows.integrations.slack_blocks import build_reminder_text
from workflows.services import Services
from workflows.steps.outcome import outcome_sentence, proposal_of
from workflows.store.crud import get_app, list_audit_entries, record_audit
from workflows.store.models import Action

logger = logging.getLogger(__name__)


class DecisionState(BaseModel):
    """Where the action stands at a check, and how long its approval may still wait."""

    model_config = ConfigDict(frozen=True)

    status: str
    seconds_left: float
    card_posted: bool
    # Until the reminder is due; None when there is none to send (any more).
    seconds_to_reminder: float | None = None
    # Slack failed to take the card: the run checks again sooner than the reminder or deadline.
    card_failed: bool = False
    # Whether this run holds the outcome; another run that took it up acts on it instead.
    taken_up: bool = False


async def _channel(services: Services, action: Action) -> str | None:
    async with services.sessions() as session:
        app = await get_app(session=session, id=action.app_id)
    return (app.slack_channel if app else None) or services.settings.slack_approval_channel


async def post_card(services: Services, action_id: str) -> bool:
    """Post the action's card once; False when Slack is not configured for it."""
    cards = services.cards
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
    if cards is None or action is None:
        return False
    if action.slack_ts is not None:
        return True
    channel = await _channel(services, action)
    view = await load_action_view(services, action_id)
    if channel is None or view is None:
        return False
    ts = await cards.post_card(channel, view, now=services.clock())
    async with services.sessions.begin() as session:
        row = await session.get(Action, action_id)
        assert row is not None
        row.slack_channel, row.slack_ts = channel, ts
        await record_audit(
            session=session,
            actor="agent",
            action="card.posted",
            subject=action_id,
            detail={"channel": channel, "ts": ts},
        )
    return True


async def check_decision(services: Services, action_id: str, *, run_id: str) -> DecisionState:
    """Read the row (the source of truth); expire it if its time is up; retry a missing card;
    once it is no longer pending, take its outcome up for this run unless another run has."""
    now = services.clock()
    await expire_if_due(services, action_id, now=now)
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
    assert action is not None
    if action.status != "pending":
        return DecisionState(
            status=action.status,
            seconds_left=0.0,
            card_posted=action.slack_ts is not None,
            taken_up=await take_up(services, action_id, run_id=run_id),
        )
    posted = action.slack_ts is not None
    card_failed = False
    if not posted and services.cards is not None:
        try:
            posted = await post_card(services, action_id)
        except IntegrationError as error:
            # The console keeps the approval meanwhile; the next check tries again.
            logger.warning("card for %s still not posted: %s", action_id, error)
            card_failed = True
    left = (action.expires_at - now).total_seconds() if action.expires_at else 0.0
    to_reminder = None
    reminder = services.settings.approval_reminder
    if posted and reminder is not None:
        to_reminder = left - reminder.total_seconds()
        if to_reminder <= 0:
            try:
                await remind_once(services, action_id)
            except IntegrationError as error:
                # A nudge is a courtesy: Slack being down must not hold the approval up.
                logger.warning("reminder for %s not posted: %s", action_id, error)
            to_reminder = None
    return DecisionState(
        status=action.status,
        seconds_left=max(left, 0.0),
        card_posted=posted,
        seconds_to_reminder=to_reminder,
        card_failed=card_failed,
    )


async def take_up(services: Services, action_id: str, *, run_id: str) -> bool:
    """Compare-and-set the run that acts on a settled action; True if `run_id` holds it.

    A takeover run started by the sweep and a late original run may both find the action
    decided: exactly one of them executes, redrafts and reports.
    """
    async with services.sessions.begin() as session:
        await session.exec(
            update(Action)
            .where(
                col(Action.id) == action_id,
                col(Action.status) != "pending",
                col(Action.taken_up_by).is_(None),
            )
            .values(taken_up_by=run_id)
        )
        holder = (
            await session.exec(select(col(Action.taken_up_by)).where(col(Action.id) == action_id))
        ).first()
    return holder == run_id


async def remind_once(services: Services, action_id: str) -> None:
    """Nudge approvers in the card's thread, once per action (the audit trail remembers)."""
    async with services.sessions() as session:
        earlier = await list_audit_entries(session=session, subject=action_id)
    view = await load_action_view(services, action_id)
    if any(e.action == "card.reminded" for e in earlier) or view is None:
        return
    if services.cards is None or not view.slack_channel or not view.slack_ts:
        return
    now = services.clock()
    await services.cards.post_reminder(
        view.slack_channel, view.slack_ts, build_reminder_text(view, now=now)
    )
    async with services.sessions.begin() as session:
        await record_audit(
            session=session, actor="agent", action="card.reminded", subject=action_id
        )


async def expire_if_due(services: Services, action_id: str, *, now: datetime) -> bool:
    """Compare-and-set `pending → expired` once the deadline has passed; True if this call did."""
    async with services.sessions.begin() as session:
        changed = await session.exec(
            update(Action)
            .where(
                col(Action.id) == action_id,
                col(Action.status) == "pending",
                col(Action.expires_at) <= now,
            )
            .values(status="expired", updated_at=now)
        )
        expired = changed.rowcount == 1
        if expired:
            await record_audit(
                session=session,
                actor="system",
                action="action.expired",
                subject=action_id,
                detail={"at": now.isoformat()},
            )
    return expired


async def update_card(services: Services, action_id: str) -> bool:
    """Redraw the posted card for the action's current status; False when there is none."""
    view = await load_action_view(services, action_id)
    if services.cards is None or view is None or not view.slack_channel or not view.slack_ts:
        return False
    await services.cards.update_card(view.slack_channel, view.slack_ts, view, now=services.clock())
    return True


async def comment_outcome(
    services: Services, action_id: str, *, kept_edit_by: str | None = None
) -> None:
    """A comment on the conversation saying how the approval ended."""
    view = await load_action_view(services, action_id)
    if view is None:
        return
    body = outcome_sentence(view, await proposal_of(services, action_id))
    if kept_edit_by:
        body += (
            f"\nThe draft was edited by {kept_edit_by}, so the agent did not rewrite it: "
            "please make sure it matches this outcome."
        )
    await services.inbox.add_comment(view.conversation_id, body)
