"""The figures of the insights page, for one app (or all) over a range of days."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.store.models import Action, AgentRun, AuditEntry, SentDraft
from workflows.store.sent import EditedDraft, most_edited_drafts

OUTCOMES = ("auto", "approved", "rejected", "edited", "expired", "failed")
UNCLASSIFIED = "unclassified"
REFUND_TOOL = "refund_purchase"
MOST_EDITED_SHOWN = 10


@dataclass(frozen=True)
class Period:
    """Whole UTC days from `start` to `end`, both included, for one app or (None) every app."""

    app_id: str | None
    start: date
    end: date

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(), UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(), UTC)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass
class Insights:
    """What the page draws; per-day figures are keyed by the UTC day."""

    messages: dict[str, Counter[date]] = field(default_factory=dict)  # by triage class
    outcomes: Counter[str] = field(default_factory=Counter)
    decision_seconds: list[float] = field(default_factory=list)
    refunded_cents: dict[str, Counter[date]] = field(default_factory=dict)  # by currency
    conversation_costs: dict[str, float] = field(default_factory=dict)
    cost_by_day: dict[date, list[float]] = field(default_factory=dict)
    sent: dict[str, Counter[date]] = field(default_factory=dict)  # "unedited" | "edited"
    most_edited: list[EditedDraft] = field(default_factory=list)

    @property
    def sent_total(self) -> int:
        return sum(sum(days.values()) for days in self.sent.values())

    @property
    def sent_unedited(self) -> int:
        return sum(self.sent.get("unedited", Counter()).values())


def percentile(values: Sequence[float], share: float) -> float | None:
    """The nearest-rank percentile (`share` in 0..1) of `values`; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def outcome_of(*, verdict: str, status: str, edited: bool) -> str | None:
    """Which of OUTCOMES an action ended in; None while it waits, or when the policy refused it."""
    if status in ("failed", "expired", "rejected"):
        return status
    if status not in ("auto", "approved", "executed"):
        return None
    if verdict == "auto":
        return "auto"
    return "edited" if edited else "approved"


def _day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _within(query: Any, period: Period, app_column: Any, time_column: Any) -> Any:
    query = query.where(col(time_column) >= period.since, col(time_column) < period.until)
    return query.where(app_column == period.app_id) if period.app_id else query


async def gather_insights(*, session: AsyncSession, period: Period) -> Insights:
    """Every figure of the page for `period`."""
    insights = Insights()
    await _runs(session, period, insights)
    await _actions(session, period, insights)
    query = _within(
        select(SentDraft.sent_at, SentDraft.edit_ratio), period, SentDraft.app_id, SentDraft.sent_at
    )
    for sent_at, ratio in (await session.exec(query)).all():
        kind = "unedited" if ratio == 0 else "edited"
        insights.sent.setdefault(kind, Counter())[_day(sent_at)] += 1
    insights.most_edited = await most_edited_drafts(
        session=session,
        app_id=period.app_id,
        since=period.since,
        until=period.until,
        limit=MOST_EDITED_SHOWN,
    )
    return insights


async def _runs(session: AsyncSession, period: Period, insights: Insights) -> None:
    query = select(
        AgentRun.created_at, AgentRun.conversation_id, AgentRun.cost_usd, AgentRun.triage_kind
    )
    rows = (await session.exec(_within(query, period, AgentRun.app_id, AgentRun.created_at))).all()
    first_day: dict[str, date] = {}
    for created_at, conversation_id, cost, triaged in rows:
        kind = triaged or UNCLASSIFIED
        insights.messages.setdefault(str(kind), Counter())[_day(created_at)] += 1
        costs = insights.conversation_costs
        costs[conversation_id] = costs.get(conversation_id, 0.0) + (cost or 0.0)
        first_day[conversation_id] = min(first_day.get(conversation_id, date.max), _day(created_at))
    by_day: dict[date, list[float]] = defaultdict(list)
    for conversation_id, day in first_day.items():
        by_day[day].append(insights.conversation_costs[conversation_id])
    insights.cost_by_day = dict(by_day)


async def _actions(session: AsyncSession, period: Period, insights: Insights) -> None:
    query = select(Action.id, Action.verdict, Action.status)
    rows = (await session.exec(_within(query, period, Action.app_id, Action.created_at))).all()
    edited = await _edited_before_approval(session, period)
    for action_id, verdict, status in rows:
        outcome = outcome_of(verdict=verdict, status=status, edited=action_id in edited)
        if outcome is not None:
            insights.outcomes[outcome] += 1
    decided = select(Action.created_at, Action.decided_at).where(
        Action.verdict == "needs_approval", col(Action.decided_at).is_not(None)
    )
    for created_at, decided_at in (
        await session.exec(_within(decided, period, Action.app_id, Action.created_at))
    ).all():
        if decided_at is not None:
            insights.decision_seconds.append(max((decided_at - created_at).total_seconds(), 0.0))
    # Params are JSON, slow to read: only the refunds' are.
    refunds = select(Action.params, Action.decided_at, Action.updated_at).where(
        Action.tool == REFUND_TOOL, Action.status == "executed"
    )
    for params, decided_at, updated_at in (
        await session.exec(_within(refunds, period, Action.app_id, Action.created_at))
    ).all():
        amount = params.get("amount_cents")
        if isinstance(amount, int) and not isinstance(amount, bool):
            currency = str(params.get("currency") or "USD").upper()
            days = insights.refunded_cents.setdefault(currency, Counter())
            days[_day(decided_at or updated_at)] += amount


async def _edited_before_approval(session: AsyncSession, period: Period) -> set[str]:
    """The actions of `period` an approver changed before approving (the audit keeps the edits)."""
    actions = _within(select(Action.id), period, Action.app_id, Action.created_at)
    entries = await session.exec(
        select(AuditEntry.subject, AuditEntry.detail).where(
            AuditEntry.action == "action.approved", col(AuditEntry.subject).in_(actions)
        )
    )
    return {subject for subject, detail in entries.all() if (detail or {}).get("edits")}
