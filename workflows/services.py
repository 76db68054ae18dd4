"""The clients a workflow step uses, built once per process and handed to the functions."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from agent.client import ModelClient, ModelClientOnFirstUse
from workflows.config import Settings
from workflows.integrations.apps import AppIntegration
from workflows.integrations.cards import ApprovalCards
from workflows.integrations.front import FrontClient
from workflows.integrations.front_inbox import FrontInbox
from workflows.integrations.inbox import Inbox
from workflows.integrations.local_inbox import LocalInbox
from workflows.integrations.registry import integration_for
from workflows.integrations.slack import slack_cards_for
from workflows.store.models import App


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Services:
    """Settings, database sessions, the inbox, the model and the clock, shared by every step."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    inbox: Inbox
    model_client: ModelClient
    clock: Callable[[], datetime] = _utcnow
    # Approval cards in Slack, when configured; without them approvals live in the console.
    cards: ApprovalCards | None = None
    # Closed with the services: clients that hold connections.
    closers: list[Callable[[], Any]] = field(default_factory=list)

    @property
    def local_inbox(self) -> LocalInbox | None:
        """The local inbox when no Front is configured; customer messages are recorded in it."""
        return self.inbox if isinstance(self.inbox, LocalInbox) else None

    @contextlib.asynccontextmanager
    async def integration(self, app: App) -> AsyncIterator[AppIntegration]:
        """The app's integration client, closed when the step is done with it."""
        integration = integration_for(app, sessions=self.sessions, clock=self.clock)
        try:
            yield integration
        finally:
            close = getattr(integration, "aclose", None)
            if close is not None:
                await close()

    async def aclose(self) -> None:
        for close in self.closers:
            await close()


def build_services(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    *,
    clock: Callable[[], datetime] | None = None,
) -> Services:
    """Front with a token, else the local inbox; Anthropic with a key, else the offline model."""
    closers: list[Callable[[], Any]] = []
    inbox: Inbox
    if settings.front_api_token:
        front = FrontClient(api_url=settings.front_api_url, token=settings.front_api_token)
        closers.append(front.aclose)
        inbox = FrontInbox(front)
    else:
        inbox = LocalInbox(sessions)
    model_client = ModelClientOnFirstUse(
        api_key=settings.anthropic_api_key, base_url=settings.anthropic_base_url
    )
    closers.append(model_client.close)
    cards = slack_cards_for(settings)
    return Services(
        settings=settings,
        sessions=sessions,
        inbox=inbox,
        model_client=model_client,
        clock=clock or _utcnow,
        cards=cards,
        closers=closers,
    )
