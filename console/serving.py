"""Run the web app and, in embedded mode, the engine: several uvicorn servers in one event loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from typing import Any

import uvicorn
import uvloop
from starlette.types import ASGIApp

from agent.client import load_model_sdk
from console.app import create_app
from console.log_format import uvicorn_log_config
from workflows.client import create_inngest_client
from workflows.config import Settings
from workflows.engine import Engine
from workflows.engine.logs import redact_event_keys
from workflows.integrations.registry import seed_demo_app
from workflows.secrets import require_signed_serving, with_generated_secrets
from workflows.store import create_engine, session_factory, upgrade_database
from workflows.store.users import list_users

log = logging.getLogger("support_agent.serve")


def run_server(main: Coroutine[Any, Any, None]) -> None:
    """Run a server on uvloop, as uvicorn does when it owns the loop: the event loop is a large
    share of what a workflow step costs (`bench/engine.py`)."""
    uvloop.run(main)


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signals to `serve_together`, which stops every server."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # Each server would install its own handler and the last one would win.
        yield


async def serve(settings: Settings, *, migrate: bool = True) -> None:
    """`support-agent serve`: migrate, then serve the app and, if embedded, the engine."""
    started = time.monotonic()
    settings = with_generated_secrets(settings)
    # Refuse an unsafe set-up before the database is touched.
    require_signed_serving(settings, signed=create_inngest_client(settings).is_production)
    if migrate:
        await upgrade_database(settings.database_url)
    if settings.demo_app:
        await _seed_demo_app(settings)
    await _show_the_way_in(settings)
    if not settings.embedded_engine:
        warm = asyncio.create_task(_load_model_sdk(settings), name="load-model-sdk")
        try:
            await serve_together(
                [_config(create_app(settings), settings.host, settings.port, settings)]
            )
        finally:
            warm.cancel()
        return
    async with running_engine(settings) as engine:
        # Until the engine has the app's functions, the app refuses work and says not ready.
        app = create_app(settings, ready=lambda: engine.ready)
        configs = [
            _config(app, settings.host, settings.port, settings),
            _config(engine.asgi, settings.engine_host, settings.engine_port, settings),
        ]
        announce = asyncio.create_task(
            _announce_ready(engine, started, settings), name="announce-ready"
        )
        try:
            await serve_together(configs)
        finally:
            announce.cancel()


async def _announce_ready(engine: Engine, started: float, settings: Settings) -> None:
    await engine.synced.wait()
    elapsed = time.monotonic() - started
    log.info("ready %.2fs after start: %d functions registered", elapsed, len(engine.functions))
    await _load_model_sdk(settings)


async def _load_model_sdk(settings: Settings) -> None:
    """With a model key, load the model's SDK beside the running server, not at its first call."""
    if settings.anthropic_api_key:
        await asyncio.to_thread(load_model_sdk)


async def _show_the_way_in(settings: Settings) -> None:
    """Say where the console is and, on a fresh install, how to add its first user."""
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            users = await list_users(session=session)
    finally:
        await engine.dispose()
    log.info("console at %s/console/", settings.public_url.rstrip("/"))
    if not users:
        log.info(
            "no console users yet; add the first with: "
            "support-agent users add --email you@example.com --role admin"
        )


async def _seed_demo_app(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            await seed_demo_app(session=session)
            await session.commit()
    finally:
        await engine.dispose()


async def serve_engine(settings: Settings) -> None:
    """`support-agent engine`: the embedded engine alone, syncing with the app at its serve URL."""
    settings = with_generated_secrets(settings)
    async with running_engine(settings) as engine:
        config = _config(engine.asgi, settings.engine_host, settings.engine_port, settings)
        await serve_together([config])


@contextlib.asynccontextmanager
async def running_engine(settings: Settings) -> AsyncIterator[Engine]:
    """Start the embedded engine configured by settings, and stop it on the way out."""
    engine = Engine(
        database_url=settings.engine_database_url or settings.database_url,
        app_urls=[settings.serve_url],
        signing_key=settings.engine_signing_key,
        event_key=settings.inngest_event_key,
        workers=settings.engine_workers,
    )
    await engine.start()
    try:
        yield engine
    finally:
        await engine.stop()


async def serve_together(configs: list[uvicorn.Config]) -> None:
    """Serve until SIGINT/SIGTERM or until any one server stops; then stop them all."""
    servers = [_Server(config) for config in configs]

    def stop_all() -> None:
        for server in servers:
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop_all)
    try:
        tasks = [asyncio.create_task(server.serve()) for server in servers]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        stop_all()
        await asyncio.gather(*tasks)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def _config(app: ASGIApp, host: str, port: int, settings: Settings) -> uvicorn.Config:
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(settings),
    )
    redact_event_keys()  # after uvicorn has set its loggers up
    return config
