"""From a registered app to what the workflows use: its integration, its policy, its knowledge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from importlib import resources
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from agent.context import AppPolicy
from agent.triage import TriageSettings
from workflows.integrations.app_client import HttpAppIntegration
from workflows.integrations.apps import AppIntegration
from workflows.integrations.demo_app import (
    DEMO_APP_ID,
    DEMO_APP_NAME,
    DEMO_INBOX_ID,
    DemoApp,
)
from workflows.names import APP_ID_PATTERN, DEMO_INTEGRATION_URL
from workflows.store.crud import create_app, get_app
from workflows.store.models import App

# Small, recent refunds run on their own in the demo, so both paths can be tried.
DEMO_POLICY = AppPolicy(auto_refund_max_cents=2000, auto_refund_max_age_days=14)


def integration_for(
    app: App,
    *,
    sessions: async_sessionmaker[AsyncSession],
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] | None = None,
) -> AppIntegration:
    """The demo app in-process for `builtin:demo`, otherwise the app's HTTPS integration."""
    if app.integration_url == DEMO_INTEGRATION_URL:
        return DemoApp(sessions, clock=clock)
    return HttpAppIntegration(
        url=app.integration_url, secret=app.integration_secret, transport=transport
    )


def app_policy(app: App) -> AppPolicy:
    """The app's risk thresholds; keys it does not set keep the cautious defaults."""
    return AppPolicy.model_validate(app.policy)


def triage_settings(app: App) -> TriageSettings:
    """What each kind of mail gets for the app; kinds it does not set keep the defaults."""
    return TriageSettings.model_validate(app.triage)


def load_knowledge(app_id: str, knowledge_dir: str) -> str:
    """`<knowledge_dir>/<app_id>.md`; the demo app falls back to its packaged help centre."""
    if not APP_ID_PATTERN.fullmatch(app_id):
        return ""
    path = Path(knowledge_dir) / f"{app_id}.md"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    if app_id == DEMO_APP_ID:
        packaged = resources.files("workflows.integrations") / "demo_knowledge.md"
        return packaged.read_text(encoding="utf-8")
    return ""


async def seed_demo_app(*, session: AsyncSession) -> App:
    """Register the demo app unless it exists; flushes, the caller commits."""
    existing = await get_app(session=session, id=DEMO_APP_ID)
    if existing is not None:
        return existing
    return await create_app(
        session=session,
        id=DEMO_APP_ID,
        name=DEMO_APP_NAME,
        integration_url=DEMO_INTEGRATION_URL,
        # Calls to the demo never leave the process, so there is nothing to sign.
        integration_secret="",
        front_inbox_ids=[DEMO_INBOX_ID],
        policy=DEMO_POLICY.model_dump(),
    )
