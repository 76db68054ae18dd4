"""The queue: pending approvals, oldest first, filtered by app and action, kept live by SSE."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import col, or_
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.web.escalations_status import read_attention
from console.web.listing import ActionRow, action_rows, joined_actions
from console.web.live import event_stream
from console.web.paging import DateRange, Page, counted, page_link
from console.web.rendering import TOOL_LABELS, render, render_fragment
from console.web.security import SignedIn, csrf_token, services_of, signed_in
from workflows.services import Services
from workflows.store.crud import list_apps
from workflows.store.models import Action

PAGE_SIZE = 50


@dataclass(frozen=True)
class QueueFilter:
    app_id: str | None = None
    tool: str | None = None
    asked: DateRange = field(default_factory=DateRange)
    page: Page = field(default_factory=lambda: Page(number=1, size=PAGE_SIZE))

    @classmethod
    def from_request(cls, request: Request) -> QueueFilter:
        params = request.query_params
        return cls(
            app_id=params.get("app") or None,
            tool=params.get("tool") or None,
            asked=DateRange.from_query(params),
            page=Page.from_query(params, PAGE_SIZE),
        )

    def params(self) -> dict[str, str]:
        """The query string that narrows the queue this way, without the page."""
        return {"app": self.app_id or "", "tool": self.tool or "", **self.asked.params()}


async def pending_rows(
    services: Services, *, now: datetime, only: QueueFilter
) -> tuple[list[ActionRow], Page]:
    """A page of the actions waiting for a decision and not yet past their expiry, oldest first."""
    query = joined_actions().where(
        col(Action.status) == "pending",
        or_(col(Action.expires_at).is_(None), col(Action.expires_at) > now),
    )
    if only.app_id:
        query = query.where(col(Action.app_id) == only.app_id)
    if only.tool:
        query = query.where(col(Action.tool) == only.tool)
    query = only.asked.narrow(query)
    page = await counted(services, query, only.page)
    ordered = query.order_by(col(Action.created_at), col(Action.id))
    rows = await action_rows(services, ordered.offset(page.offset).limit(page.size))
    return rows, page


async def _queue_now(request: Request, only: QueueFilter, user: SignedIn) -> dict[str, Any]:
    """What the open queue page shows that changes: its rows and count, the alerts above them
    and the number of escalations waiting for a person."""
    now = request.app.state.clock()
    services = services_of(request)
    rows, page = await pending_rows(services, now=now, only=only)
    attention = await read_attention(services)
    alerts = {
        "attention": attention,
        "user": user,
        "csrf_token": csrf_token(request),
        "nav": "/console/",
        "now": now,
    }
    return {
        "html": render_fragment("_queue_rows.html", {"rows": rows, "now": now}),
        "count": page.total,
        "alerts": render_fragment("_alerts.html", alerts),
        "escalations": attention.escalations,
    }


@signed_in()
async def queue_page(request: Request, user: SignedIn) -> Response:
    only = QueueFilter.from_request(request)
    services = services_of(request)
    async with services.sessions() as session:
        apps = await list_apps(session=session)
    rows, page = await pending_rows(services, now=request.app.state.clock(), only=only)
    context = {
        "rows": rows,
        "apps": apps,
        "tools": TOOL_LABELS,
        "only": only,
        "page": page,
        "page_link": lambda number: page_link("/console/", only.params(), number),
        "stream": page_link("/console/queue/stream", only.params(), page.number),
    }
    return render(request, "queue.html", context, user=user)


@signed_in(page=False)
async def queue_stream(request: Request, user: SignedIn) -> Response:
    only = QueueFilter.from_request(request)
    return event_stream(request, "queue", lambda: _queue_now(request, only, user))


routes = [
    Route("/", queue_page, methods=["GET"], name="queue"),
    Route("/queue/stream", queue_stream, methods=["GET"], name="queue_stream"),
]
