"""Readiness: no work is accepted before the functions that will run it are registered.

An event sent before the engine knows the app's functions would start no run, so until then
Front's webhooks are answered 503 with `retry-after` (Front redelivers) and `/healthz` says
not ready. `/healthz` also proves the database takes a write: a full disk or a read-only file
answers reads, so a read alone would call a broken server healthy.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

Ready = Callable[[], bool]
RETRY_AFTER_SECONDS = 5
logger = logging.getLogger("support_agent.readiness")


def always_ready() -> bool:
    """With an external Inngest, functions are synced by Inngest itself."""
    return True


class RefuseUntilReady:
    """Answer 503 with `retry-after` until the app is ready; then pass every request through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        ready: Ready = scope["app"].state.ready
        if scope["type"] == "http" and not ready():
            logger.info("refused %s before start-up finished; asked to retry", scope["path"])
            response = JSONResponse(
                {"error": "starting up; retry later"},
                status_code=503,
                headers={"retry-after": str(RETRY_AFTER_SECONDS)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def healthz(request: Request) -> Response:
    """200 once functions are registered and the database takes a write; 503 otherwise."""
    ready: bool = request.app.state.ready()
    db_error = await _write_check(request.app.state.db)
    body: dict[str, object] = {"ok": ready and db_error is None, "ready": ready}
    body["db"] = db_error is None
    if db_error is not None:
        body["error"] = db_error
    headers = {} if ready else {"retry-after": str(RETRY_AFTER_SECONDS)}
    return JSONResponse(body, status_code=200 if body["ok"] else 503, headers=headers)


async def _write_check(db: AsyncEngine) -> str | None:
    """None when a write commits; else only the kind of failure (messages may carry addresses)."""
    try:
        async with db.begin() as connection:
            # Rewrites the one row every migrated database has, as it was: a real write, no change.
            await connection.execute(text("UPDATE alembic_version SET version_num = version_num"))
    except Exception as error:
        return type(error).__name__
    return None
