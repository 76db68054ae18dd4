"""`GET /metrics`: the insights page's figures in Prometheus' text format, for a bearer token.

Without METRICS_TOKEN the endpoint is off (404): the figures name apps and money, and a server
behind a proxy cannot tell who is on loopback.
"""

from __future__ import annotations

import hmac
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from console.web.insights_data import OUTCOMES, REFUND_TOOL, UNCLASSIFIED, outcome_of
from workflows.store.models import Action, AgentRun, AuditEntry, SentDraft

# Seconds from proposal to decision: a minute, five, fifteen, half an hour, 1, 4, 12, 24, 48 hours.
DECISION_BUCKETS = (60, 300, 900, 1800, 3600, 14_400, 43_200, 86_400, 172_800)


class _Figures(Collector):
    """Families computed before the scrape is written; prometheus_client collects synchronously."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self._families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self._families


async def metrics_endpoint(request: Request) -> Response:
    token = request.app.state.settings.metrics_token
    if not token:
        return JSONResponse({"error": "metrics are off; set METRICS_TOKEN to serve them"}, 404)
    sent = request.headers.get("authorization", "")
    if not hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return JSONResponse(
            {"error": "a bearer token is required"}, 401, headers={"www-authenticate": "Bearer"}
        )
    async with request.app.state.sessions() as session:
        families = await collect_figures(session=session)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(families))
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


async def collect_figures(*, session: AsyncSession) -> list[Metric]:
    """Every figure since the database began, labelled by app."""
    return [
        await _messages(session),
        *await _actions(session),
        await _decision_times(session),
        *await _costs(session),
        await _sent(session),
    ]


async def _messages(session: AsyncSession) -> Metric:
    family = CounterMetricFamily(
        "support_agent_messages",
        "Messages the agent handled (one per run), by triage class",
        labels=["app", "triage"],
    )
    kind = col(AgentRun.triage_kind)
    rows = await session.exec(
        select(AgentRun.app_id, kind, func.count()).group_by(col(AgentRun.app_id), kind)
    )
    for app_id, triaged, count in rows.all():
        family.add_metric([app_id, str(triaged or UNCLASSIFIED)], count)
    return family


async def _actions(session: AsyncSession) -> list[Metric]:
    outcomes = CounterMetricFamily(
        "support_agent_actions", "Proposed actions by outcome", labels=["app", "outcome"]
    )
    pending = GaugeMetricFamily(
        "support_agent_approvals_pending", "Actions waiting for a decision", labels=["app"]
    )
    refunded = CounterMetricFamily(
        "support_agent_refunded", "Money refunded, in major units", labels=["app", "currency"]
    )
    edited = await _edited_approvals(session)
    grouped = await session.exec(
        select(Action.app_id, Action.verdict, Action.status, func.count()).group_by(
            col(Action.app_id), col(Action.verdict), col(Action.status)
        )
    )
    counts: Counter[tuple[str, str]] = Counter()
    for app_id, verdict, status, count in grouped.all():
        if status == "pending":
            pending.add_metric([app_id], count)
        approved = outcome_of(verdict=verdict, status=status, edited=False)
        if approved is not None:
            counts[(app_id, approved)] += count
    for app_id, number in edited.items():
        counts[(app_id, "approved")] -= number
        counts[(app_id, "edited")] += number
    for app_id in sorted({app for app, _ in counts}):
        for outcome in OUTCOMES:
            outcomes.add_metric([app_id, outcome], counts[(app_id, outcome)])
    refunds = await session.exec(
        select(Action.app_id, Action.params).where(
            Action.tool == REFUND_TOOL, Action.status == "executed"
        )
    )
    money: dict[tuple[str, str], int] = defaultdict(int)
    for app_id, params in refunds.all():
        amount = params.get("amount_cents")
        if isinstance(amount, int) and not isinstance(amount, bool):
            money[(app_id, str(params.get("currency") or "USD").upper())] += amount
    for (app_id, currency), cents in sorted(money.items()):
        refunded.add_metric([app_id, currency], cents / 100)
    return [outcomes, pending, refunded]


async def _edited_approvals(session: AsyncSession) -> Counter[str]:
    """Per app, the approved actions an approver changed first."""
    rows = await session.exec(
        select(Action.app_id, AuditEntry.detail)
        .join(AuditEntry, col(AuditEntry.subject) == col(Action.id))
        .where(
            AuditEntry.action == "action.approved",
            col(Action.status).in_(["approved", "executed"]),
            Action.verdict != "auto",
        )
    )
    return Counter(app_id for app_id, detail in rows.all() if (detail or {}).get("edits"))


async def _decision_times(session: AsyncSession) -> Metric:
    family = HistogramMetricFamily(
        "support_agent_time_to_decision_seconds",
        "Seconds from an action's proposal to a person's decision",
        labels=["app"],
    )
    rows = await session.exec(
        select(Action.app_id, Action.created_at, Action.decided_at).where(
            Action.verdict == "needs_approval", col(Action.decided_at).is_not(None)
        )
    )
    waits: dict[str, list[float]] = defaultdict(list)
    for app_id, created_at, decided_at in rows.all():
        if decided_at is not None:
            waits[app_id].append(max((decided_at - created_at).total_seconds(), 0.0))
    for app_id, seconds in sorted(waits.items()):
        buckets = [(str(float(b)), sum(1 for s in seconds if s <= b)) for b in DECISION_BUCKETS]
        buckets.append(("+Inf", len(seconds)))
        family.add_metric([app_id], buckets, sum_value=sum(seconds))
    return family


async def _costs(session: AsyncSession) -> list[Metric]:
    cost = CounterMetricFamily(
        "support_agent_model_cost_usd", "What the model cost, in US dollars", labels=["app"]
    )
    conversations = CounterMetricFamily(
        "support_agent_conversations", "Conversations the agent worked on", labels=["app"]
    )
    rows = await session.exec(
        select(
            AgentRun.app_id,
            func.coalesce(func.sum(AgentRun.cost_usd), 0.0),
            func.count(func.distinct(AgentRun.conversation_id)),
        ).group_by(col(AgentRun.app_id))
    )
    for app_id, dollars, count in rows.all():
        cost.add_metric([app_id], float(dollars or 0.0))
        conversations.add_metric([app_id], count)
    return [cost, conversations]


async def _sent(session: AsyncSession) -> Metric:
    family = CounterMetricFamily(
        "support_agent_drafts_sent",
        "Agent drafts a person sent, edited or as written",
        labels=["app", "edited"],
    )
    edited = col(SentDraft.edit_ratio) > 0
    rows = await session.exec(
        select(SentDraft.app_id, edited, func.count()).group_by(col(SentDraft.app_id), edited)
    )
    for app_id, changed, count in rows.all():
        family.add_metric([app_id, "true" if changed else "false"], count)
    return family
