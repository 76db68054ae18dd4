"""The approval console: server-rendered pages for reviewers, mounted at /console."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from console.web import (
    admin_apps,
    admin_users,
    auth,
    escalations,
    escalations_alerts,
    health,
    history,
    inbox,
    insights,
    items,
    queue,
)
from console.web.errors import HANDLERS
from console.web.escalations_status import AttentionCounts
from console.web.headers import SecurityHeaders
from console.web.rendering import STATIC_DIR
from workflows.config import Settings

SESSION_COOKIE = "console_session"
SESSION_LIFETIME = timedelta(hours=12)


def console_routes() -> list[BaseRoute]:
    """Every console route, relative to the /console mount."""
    return [
        *auth.routes,
        *queue.routes,
        *escalations.routes,
        *escalations_alerts.routes,
        *items.routes,
        *history.routes,
        *inbox.routes,
        *insights.routes,
        *admin_users.routes,
        *admin_apps.routes,
        *health.routes,
        Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def session_key(settings: Settings) -> str:
    """A key for session cookies alone, derived so it signs nothing else the secret signs."""
    if not settings.console_secret_key:
        raise ValueError("CONSOLE_SECRET_KEY is unset and no generated secret was loaded")
    secret = settings.console_secret_key.encode()
    return hmac.new(secret, b"console-session", hashlib.sha256).hexdigest()


def console_mount(settings: Settings) -> Mount:
    """The console at /console, with its signed session cookie scoped to it."""
    session = Middleware(
        SessionMiddleware,
        secret_key=session_key(settings),
        session_cookie=SESSION_COOKIE,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/console",
        same_site="lax",
        https_only=settings.public_url.startswith("https://"),
    )
    return Mount(
        "/console",
        routes=console_routes(),
        # Error pages innermost, so they carry the session, the counts and the security headers.
        middleware=[
            Middleware(SecurityHeaders),
            session,
            Middleware(AttentionCounts),
            Middleware(ExceptionMiddleware, handlers=HANDLERS),
        ],
        name="console",
    )
