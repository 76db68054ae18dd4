"""History: actions that were decided, expired, executed or failed, searchable, newest first."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import col, or_
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.web.listing import ActionRow, action_rows, joined_actions
from console.web.rendering import TOOL_LABELS, render
from console.web.security import SignedIn, services_of, signed_in
from workflows.services import Services
from workflows.store.models import Action, Conversation

FINISHED = ("approved", "rejected", "expired", "executed", "failed")
PAGE_SIZE = 100


@dataclass(frozen=True)
class HistorySearch:
    """Free text matches a customer's email or a conversation id; the rest narrow exactly."""

    text: str = ""
    tool: str = ""
    status: str = ""

    @classmethod
    def from_request(cls, request: Request) -> HistorySearch:
        params = request.query_params
        status = params.get("status", "")
        return cls(
            text=params.get("q", "").strip(),
            tool=params.get("tool", ""),
            status=status if status in FINISHED else "",
        )


async def finished_rows(services: Services, search: HistorySearch) -> list[ActionRow]:
    """Finished actions matching the search, most recently changed first."""
    query = joined_actions().where(
        col(Action.status).in_([search.status] if search.status else FINISHED)
    )
    if search.text:
        pattern = f"%{_escape_like(search.text.lower())}%"
        query = query.where(
            or_(
                col(Conversation.customer_email).ilike(pattern, escape="\\"),
                col(Action.conversation_id).ilike(pattern, escape="\\"),
            )
        )
    if search.tool:
        query = query.where(col(Action.tool) == search.tool)
    ordered = query.order_by(col(Action.updated_at).desc(), col(Action.id)).limit(PAGE_SIZE)
    return await action_rows(services, ordered)


def _escape_like(text: str) -> str:
    # A customer's email may hold _ or %; they are searched for, not used as wildcards.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@signed_in()
async def history_page(request: Request, user: SignedIn) -> Response:
    search = HistorySearch.from_request(request)
    rows = await finished_rows(services_of(request), search)
    context = {
        "rows": rows,
        "search": search,
        "tools": TOOL_LABELS,
        "statuses": FINISHED,
        "page_size": PAGE_SIZE,
    }
    return render(request, "history.html", context, user=user)


routes = [Route("/history", history_page, methods=["GET"], name="history")]
