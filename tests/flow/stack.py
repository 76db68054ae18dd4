"""The whole product on one machine: the real app under uvicorn, the embedded engine, a database.

Only the outside world is played by local servers (Front, Anthropic); time is a `ManualClock`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
import inngest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.applications import Starlette
from starlette.types import Receive, Scope, Send

from console.app import create_app
from tests.engine.harness import Harness, free_port, serve
from tests.keys import SECRETS
from workflows.config import Settings
from workflows.engine import Engine, ManualClock
from workflows.integrations.registry import seed_demo_app
from workflows.services import Services
from workflows.store import session_factory, upgrade_database


@dataclass
class Stack:
    settings: Settings
    harness: Harness
    sessions: async_sessionmaker[AsyncSession]
    http: httpx.AsyncClient
    app: Starlette

    @property
    def services(self) -> Services:
        return cast(Services, self.app.state.services)

    @property
    def inngest(self) -> inngest.Inngest:
        return cast(inngest.Inngest, self.app.state.inngest)

    async def restart_engine(self) -> None:
        """Stop the engine, losing everything it held in memory, and start a new one on the
        same database: what a crash and a restart of the engine process leave behind."""
        await self.harness.engine.stop()
        engine = _engine(self.settings, self.clock)
        await engine.start()
        self.harness.engine = engine

    @property
    def clock(self) -> ManualClock:
        return self.harness.clock

    @property
    def app_url(self) -> str:
        return self.settings.public_url


def stack_settings(database_url: str, tmp_path: Path, **overrides: Any) -> Settings:
    """Embedded-mode settings on free ports, reading nothing from the environment."""
    port = free_port()
    values: dict[str, Any] = {
        "database_url": database_url,
        "port": port,
        "public_url": f"http://127.0.0.1:{port}",
        "engine_port": free_port(),
        "knowledge_dir": str(tmp_path / "knowledge"),
        **SECRETS,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@contextlib.asynccontextmanager
async def running_stack(
    settings: Settings, *, clock: ManualClock | None = None
) -> AsyncIterator[Stack]:
    """Migrate, seed the demo app, then serve the app and the engine until the test ends."""
    await upgrade_database(settings.database_url)
    clock = clock or ManualClock()
    app = create_app(settings, clock=lambda: datetime.fromtimestamp(clock.now(), UTC))
    sessions: async_sessionmaker[AsyncSession] = app.state.sessions
    async with sessions.begin() as session:
        await seed_demo_app(session=session)
    engine = _engine(settings, clock)
    harness: Harness | None = None

    async def current_engine(scope: Scope, receive: Receive, send: Send) -> None:
        # The port stays the same across a restart; the engine behind it changes.
        await (harness.engine if harness else engine).asgi(scope, receive, send)

    async with (
        app.router.lifespan_context(app),
        serve(app, settings.port),
        serve(current_engine, settings.engine_port),
        httpx.AsyncClient() as http,
    ):
        await engine.start()
        harness = Harness(engine=engine, clock=clock, engine_url=settings.engine_url, http=http)
        try:
            await asyncio.wait_for(engine.synced.wait(), 10)
            yield Stack(
                settings=settings,
                harness=harness,
                sessions=session_factory(app.state.db),
                http=http,
                app=app,
            )
        finally:
            await harness.engine.stop()


def _engine(settings: Settings, clock: ManualClock) -> Engine:
    return Engine(
        database_url=settings.engine_database_url or settings.database_url,
        app_urls=[settings.serve_url],
        signing_key=settings.engine_signing_key,
        event_key=settings.inngest_event_key,
        clock=clock,
    )


async def finished_despite_retries(stack: Stack, event_id: str) -> dict[str, Any]:
    """Wait for the event's run to end, moving the clock past each retry's backoff."""

    async def ended() -> dict[str, Any] | None:
        runs = await stack.harness.runs(event_id)
        if runs and runs[0]["status"] != "Running":
            return runs[0]
        stack.clock.advance(60)
        return None

    return await stack.harness.settle(ended)
