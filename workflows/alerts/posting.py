"""Posting alerts to the approval channel in Slack, each at most once.

A post is claimed in the database (a compare-and-set on `posted_at`) before Slack is called: a
retried step or a second pass never posts it again. A post Slack refused for a while (a 5xx, a
rate limit) is released and tried on the next pass; one refused for good stays in the console.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, select

from workflows.errors import IntegrationError
from workflows.integrations.slack_alerts import alert_fallback_text, build_alert_blocks
from workflows.services import Services
from workflows.store.attention import Alert
from workflows.store.crud import get_app, record_audit

logger = logging.getLogger(__name__)

# Alerts older than this are not posted late: the console shows them.
POST_WITHIN = timedelta(hours=1)
BATCH = 20


async def post_alerts(services: Services, *, now: datetime) -> int:
    """Post every alert not posted yet; how many this call posted."""
    if services.cards is None:
        return 0
    async with services.sessions() as session:
        rows = await session.exec(
            select(Alert)
            .where(
                col(Alert.posted_at).is_(None),
                col(Alert.dismissed_at).is_(None),
                col(Alert.created_at) >= now - POST_WITHIN,
            )
            .order_by(col(Alert.id))
            .limit(BATCH)
        )
        alerts = list(rows)
    posted = 0
    for alert in alerts:
        posted += await _post(services, alert, now=now)
    return posted


async def _post(services: Services, alert: Alert, *, now: datetime) -> int:
    assert services.cards is not None
    assert alert.id is not None
    channel = await _channel(services, alert.app_id)
    if channel is None or not await _claim(services, alert.id, channel=channel, now=now):
        return 0
    try:
        ts = await services.cards.post_message(
            channel,
            alert_fallback_text(alert.kind, alert.summary),
            build_alert_blocks(alert.kind, alert.summary, link=_link(services, alert)),
        )
    except IntegrationError as error:
        if error.retryable:
            await _release(services, alert.id)
            raise
        logger.warning("alert %s was not posted: %s", alert.key, error)
        return 0
    async with services.sessions.begin() as session:
        row = await session.get(Alert, alert.id)
        assert row is not None
        row.slack_ts = ts
        await record_audit(
            session=session,
            actor="system",
            action="alert.posted",
            subject=alert.subject,
            detail={"key": alert.key, "channel": channel, "ts": ts},
        )
    return 1


def _link(services: Services, alert: Alert) -> str:
    base = services.settings.public_url.rstrip("/")
    if alert.kind == "run-failed":
        return f"{base}/console/escalations"
    return f"{base}/console/actions/{alert.subject}"


async def _channel(services: Services, app_id: str | None) -> str | None:
    async with services.sessions() as session:
        app = await get_app(session=session, id=app_id) if app_id else None
    return (app.slack_channel if app else None) or services.settings.slack_approval_channel


async def _claim(services: Services, alert_id: int, *, channel: str, now: datetime) -> bool:
    async with services.sessions.begin() as session:
        changed = await session.exec(
            update(Alert)
            .where(col(Alert.id) == alert_id, col(Alert.posted_at).is_(None))
            .values(posted_at=now, slack_channel=channel)
        )
        return changed.rowcount == 1


async def _release(services: Services, alert_id: int) -> None:
    async with services.sessions.begin() as session:
        await session.exec(
            update(Alert)
            .where(col(Alert.id) == alert_id, col(Alert.slack_ts).is_(None))
            .values(posted_at=None, slack_channel=None)
        )
