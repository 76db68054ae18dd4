"""The web app: health, webhooks, the Inngest serve endpoint and (later) the console."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import fastapi
import inngest
import inngest.fast_api
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from console.slack import create_slack_handler, slack_interactions
from console.web import console_mount
from console.webhooks.front import front_webhook
from workflows.client import create_inngest_client
from workflows.config import Settings
from workflows.functions import create_functions
from workflows.secrets import require_signed_serving
from workflows.services import Services, build_services
from workflows.store import create_engine, session_factory
from workflows.store.models import utcnow


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], datetime] | None = None
) -> Starlette:
    """Build the app; the database engine and the services' clients close with the lifespan."""
    settings = settings or Settings()
    client = create_inngest_client(settings)
    require_signed_serving(settings, signed=client.is_production)
    # Engines connect lazily, so building one here opens nothing until the first request.
    db = create_engine(settings)
    services = build_services(settings, session_factory(db), clock=clock)
    slack = create_slack_handler(settings, services, client)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await services.aclose()
            await db.dispose()

    app = Starlette(
        routes=[
            Route("/healthz", healthz),
            Route("/webhooks/front", front_webhook, methods=["POST"]),
            Route("/slack/interactions", slack_interactions(slack), methods=["POST"]),
            console_mount(settings),
            # Last: the sub-app answers /api/inngest and 404s everything else.
            Mount("", app=_inngest_app(client, services)),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.inngest = client
    app.state.db = db
    app.state.sessions = services.sessions
    app.state.services = services
    app.state.clock = clock or utcnow  # tests pass a clock to move time without sleeping
    return app


async def healthz(request: Request) -> JSONResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        async with request.app.state.db.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:
        # Only the kind of failure: the message may carry the database's address.
        return JSONResponse(
            {"ok": False, "db": False, "error": type(error).__name__}, status_code=503
        )
    return JSONResponse({"ok": True, "db": True})


def _inngest_app(client: inngest.Inngest, services: Services) -> fastapi.FastAPI:
    # The SDK has no Starlette adapter; its FastAPI one is public API, so it serves a sub-app.
    sub = fastapi.FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    inngest.fast_api.serve(sub, client, create_functions(client, services))
    return sub
