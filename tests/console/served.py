"""The real app under uvicorn on a free port of 127.0.0.1, for tests that need real HTTP."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn

from console.app import create_app
from workflows.config import Settings


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[tuple[str, int]]:
    """Serve the app until the block ends; yields its host and port."""
    # Listening before uvicorn starts: early requests wait in the backlog, nobody polls.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield "127.0.0.1", listener.getsockname()[1]
    finally:
        server.should_exit = True
        await task
        listener.close()
