"""What needs attention across the console: unresolved escalations (counted in the nav) and open
alerts (shown at the top of the queue and the health page), read once per page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from console.web.security import SESSION_USER
from workflows.alerts import open_alerts
from workflows.escalations import count_unresolved
from workflows.services import Services
from workflows.store.attention import Alert

STATE_KEY = "attention"


@dataclass(frozen=True)
class Attention:
    escalations: int
    alerts: Sequence[Alert]


async def read_attention(services: Services) -> Attention:
    async with services.sessions() as session:
        return Attention(
            escalations=await count_unresolved(session=session),
            alerts=await open_alerts(session=session),
        )


class AttentionCounts:
    """Reads the counts for the console's pages (GETs that are neither files nor streams)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET" and _is_page(scope):
            attention = await read_attention(scope["app"].state.services)
            scope.setdefault("state", {})[STATE_KEY] = attention
        await self.app(scope, receive, send)


def _is_page(scope: Scope) -> bool:
    """A page somebody signed in will see (the session cookie was read before this runs)."""
    path: str = scope["path"]
    signed_in = bool(scope.get("session", {}).get(SESSION_USER))
    return signed_in and "/static/" not in path and not path.endswith("/stream")


def attention_of(request: Request) -> Attention | None:
    """The counts read for this page, or None (a page rendered after a POST)."""
    found = getattr(request.state, STATE_KEY, None)
    return found if isinstance(found, Attention) else None
