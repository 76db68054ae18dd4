"""From a registered app to its integration, its policy and its knowledge; seeding the demo app."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from agent.context import AppPolicy
from tests.integrations.demo_support import migrated_sessions
from workflows.integrations.app_client import HttpAppIntegration
from workflows.integrations.demo_app import (
    DEMO_APP_ID,
    DEMO_INBOX_ID,
    DEMO_INTEGRATION_URL,
    DemoApp,
)
from workflows.integrations.registry import (
    DEMO_POLICY,
    app_policy,
    integration_for,
    load_knowledge,
    seed_demo_app,
)
from workflows.integrations.signing import SIGNATURE_HEADER, verify
from workflows.store.crud import find_app_by_inbox, list_apps
from workflows.store.models import App

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    async with migrated_sessions(database_url) as factory:
        yield factory


def _app(**fields: object) -> App:
    defaults: dict[str, object] = {
        "id": "notes",
        "name": "Notes",
        "integration_url": "https://notes.example/support",
        "integration_secret": "notes-secret",
    }
    return App.model_validate({**defaults, **fields})


async def test_the_demo_url_gives_the_in_process_demo_app(sessions: Sessions) -> None:
    integration = integration_for(_app(integration_url=DEMO_INTEGRATION_URL), sessions=sessions)

    assert isinstance(integration, DemoApp)
    assert await integration.lookup_user("ada@example.com") is not None


async def test_any_other_url_gets_signed_calls_with_the_apps_secret(sessions: Sessions) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"user": None})

    integration = integration_for(_app(), sessions=sessions, transport=httpx.MockTransport(answer))

    assert isinstance(integration, HttpAppIntegration)
    assert await integration.lookup_user("ada@example.com") is None
    [request] = seen
    assert str(request.url) == "https://notes.example/support/lookup-user"
    signature = request.headers[SIGNATURE_HEADER]
    assert verify("notes-secret", request.content, signature, now=time.time())


def test_the_policy_comes_from_the_app_with_cautious_defaults() -> None:
    assert app_policy(_app(policy={"auto_refund_max_cents": 500})) == AppPolicy(
        auto_refund_max_cents=500
    )
    assert app_policy(_app(policy={})) == AppPolicy()
    assert app_policy(_app(policy={})).auto_refund_max_age_days == 0


def test_knowledge_is_read_from_the_apps_file(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# Notes\n\nRefunds within 30 days.\n")
    (tmp_path / "demo.md").write_text("# Our own demo notes\n")

    assert load_knowledge("notes", str(tmp_path)) == "# Notes\n\nRefunds within 30 days.\n"
    assert load_knowledge("demo", str(tmp_path)) == "# Our own demo notes\n"
    assert load_knowledge("other", str(tmp_path)) == ""
    assert load_knowledge("other", str(tmp_path / "missing")) == ""


def test_the_demo_app_falls_back_to_its_packaged_help_centre(tmp_path: Path) -> None:
    knowledge = load_knowledge(DEMO_APP_ID, str(tmp_path))

    for section in ("## Refunds policy", "## Licence transfers", "## Login problems", "## Pricing"):
        assert section in knowledge


def test_an_app_id_cannot_reach_outside_the_knowledge_directory(tmp_path: Path) -> None:
    (tmp_path / "secret.md").write_text("not knowledge")
    inside = tmp_path / "knowledge"
    inside.mkdir()

    assert load_knowledge("../secret", str(inside)) == ""


async def test_seeding_the_demo_app_is_idempotent(sessions: Sessions) -> None:
    async with sessions() as session:
        first = await seed_demo_app(session=session)
        await session.commit()
    async with sessions() as session:
        again = await seed_demo_app(session=session)
        await session.commit()
        apps = await list_apps(session=session)
        by_inbox = await find_app_by_inbox(session=session, inbox_id=DEMO_INBOX_ID)

    assert [app.id for app in apps] == [DEMO_APP_ID]
    assert by_inbox is not None
    assert by_inbox.integration_url == DEMO_INTEGRATION_URL
    assert again.created_at == first.created_at
    assert app_policy(by_inbox) == DEMO_POLICY
    assert DEMO_POLICY.auto_refund_max_cents == 2000
    assert DEMO_POLICY.auto_refund_max_age_days == 14
