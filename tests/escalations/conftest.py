"""Escalations and alerts on a real database, Slack played by a local stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select

from tests.integrations.slack_stand_in import CHANNEL, TOKEN, SlackStandIn
from workflows.config import Settings
from workflows.integrations.registry import seed_demo_app
from workflows.services import Services, build_services
from workflows.store import create_engine, session_factory, upgrade_database
from workflows.store.models import Action, AuditEntry, Conversation

CONVERSATION = "cnv_escalated"


class Clock:
    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@dataclass
class Desk:
    services: Services
    clock: Clock
    slack: SlackStandIn

    async def add_action(self, action_id: str, **overrides: Any) -> None:
        now = self.clock()
        values: dict[str, Any] = {
            "id": action_id,
            "app_id": "demo",
            "conversation_id": CONVERSATION,
            "run_id": f"run_{action_id}",
            "tool": "refund_purchase",
            "params": {"purchase_id": "pur_1", "amount_cents": 4900, "reason": "asked"},
            "verdict": "needs_approval",
            "status": "pending",
            "expires_at": now + timedelta(hours=24),
            "created_at": now,
            "updated_at": now,
        }
        async with self.services.sessions.begin() as session:
            session.add(Action(**(values | overrides)))

    async def audit(self, action: str) -> list[AuditEntry]:
        async with self.services.sessions() as session:
            found = await session.exec(
                select(AuditEntry).where(AuditEntry.action == action).order_by(col(AuditEntry.id))
            )
            return list(found)


@pytest.fixture
async def desk(database_url: str, tmp_path: Path) -> AsyncIterator[Desk]:
    await upgrade_database(database_url)
    clock = Clock()
    async with SlackStandIn() as slack:
        settings = Settings(
            _env_file=None,
            database_url=database_url,
            knowledge_dir=str(tmp_path),
            slack_bot_token=TOKEN,
            slack_api_url=slack.api_url,
            slack_approval_channel=CHANNEL,
            public_url="https://desk.example.com",
        )
        db = create_engine(settings)
        services = build_services(settings, session_factory(db), clock=clock)
        async with services.sessions.begin() as session:
            await seed_demo_app(session=session)
            session.add(
                Conversation(
                    id=CONVERSATION,
                    app_id="demo",
                    inbox_id="inb_demo",
                    customer_email="katherine@example.com",
                    subject="Refund <please>",
                    local=True,
                )
            )
        try:
            yield Desk(services, clock, slack)
        finally:
            await services.aclose()
            await db.dispose()
