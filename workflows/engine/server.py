"""Run the engine with its HTTP API on one port, as `inngest dev` does."""

from __future__ import annotations

import asyncio
import contextlib

import uvicorn

from workflows.engine.engine import Engine
from workflows.engine.logs import redact_event_keys


async def serve_engine(engine: Engine, *, host: str = "127.0.0.1", port: int = 8288) -> None:
    """Start the engine and serve its API until cancelled or interrupted."""
    server = uvicorn.Server(
        uvicorn.Config(engine.asgi, host=host, port=port, log_level="warning", lifespan="off")
    )
    redact_event_keys()  # after uvicorn's logging set-up
    await engine.start()
    try:
        await server.serve()
    finally:
        with contextlib.suppress(Exception):
            await engine.stop()


def main(argv: list[str] | None = None) -> None:
    """`python -m workflows.engine`: the engine alone, configured by flags."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m workflows.engine", description=main.__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--app-url", action="append", default=[], help="a serve URL to sync")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8288)
    parser.add_argument("--signing-key")
    parser.add_argument("--event-key")
    args = parser.parse_args(argv)
    engine = Engine(
        database_url=args.database_url,
        app_urls=args.app_url,
        signing_key=args.signing_key,
        event_key=args.event_key,
    )
    asyncio.run(serve_engine(engine, host=args.host, port=args.port))
