"""The web app: health, webhooks, the Inngest serve endpoint and (later) the console."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import fastapi
import inngest
import inngest.fast_api
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route, request_response

from console.body_limit import BodyLimit
from console.metrics import metrics_endpoint
from console.readiness import Ready, RefuseUntilReady, always_ready, healthz
from console.slack import create_slack_handler, slack_interactions
from console.web import console_mount
from console.web.password_checks import PasswordChecks
from console.webhooks.front import MAX_BODY_BYTES as MAX_FRONT_BYTES
from console.webhooks.front import front_webhook
from workflows.client import create_inngest_client
from workflows.config import Settings
from workflows.functions import create_functions
from workflows.secrets import require_signed_serving
from workflows.services import Services, build_services
from workflows.store import create_engine, session_factory
from workflows.store.models import utcnow

# Slack interactions and console forms are small; refused past this, before reading.
MAX_BODY_BYTES = 1024 * 1024
# Front's webhook reads to its own, larger limit: an email arrives as text and HTML.
FRONT_PATH = "/webhooks/front"
# A function call carries its run's step outputs, and Inngest caps a run's state at 32 MB.
INNGEST_PATH = "/api/inngest"
MAX_CALL_BYTES = 32 * 1024 * 1024


def create_app(
    settings: Settings | None = None,
    *,
    clock: Callable[[], datetime] | None = None,
    ready: Ready = always_ready,
) -> Starlette:
    """Build the app; the database engine and the services' clients close with the lifespan.

    `ready` says whether the functions are registered where events run them: until then the
    app refuses inbound work (503) rather than send events that would start no run.
    """
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
            Route("/metrics", metrics_endpoint, methods=["GET"]),
            Route(
                FRONT_PATH,
                RefuseUntilReady(request_response(front_webhook)),
                methods=["POST"],
            ),
            Route(
                "/slack/interactions",
                slack_interactions(slack, settings.slack_signing_secret),
                methods=["POST"],
            ),
            console_mount(settings),
            # Last: the sub-app answers /api/inngest and 404s everything else.
            Mount("", app=_inngest_app(client, services)),
        ],
        middleware=[
            Middleware(
                BodyLimit,
                limit=MAX_BODY_BYTES,
                limits={INNGEST_PATH: MAX_CALL_BYTES, FRONT_PATH: MAX_FRONT_BYTES},
            )
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.inngest = client
    app.state.db = db
    app.state.sessions = services.sessions
    app.state.services = services
    app.state.password_checks = PasswordChecks()
    app.state.ready = ready
    app.state.clock = clock or utcnow  # tests pass a clock to move time without sleeping
    return app


def _inngest_app(client: inngest.Inngest, services: Services) -> fastapi.FastAPI:
    # The SDK has no Starlette adapter; its FastAPI one is public API, so it serves a sub-app.
    sub = fastapi.FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    inngest.fast_api.serve(sub, client, create_functions(client, services))
    return sub
