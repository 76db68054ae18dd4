"""History: actions that were decided, expired, executed or failed, searchable, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlmodel import col, or_
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.web.history_csv import csv_response
from console.web.listing import ActionRow, Joined, action_rows, joined_actions
from console.web.paging import DateRange, Page, counted, page_link
from console.web.rendering import TOOL_LABELS, render
from console.web.security import SignedIn, services_of, signed_in
from workflows.services import Services
from workflows.store.models import Action, Conversation

FINISHED = ("approved", "rejected", "expired", "executed", "failed")
PAGE_SIZE = 50
# A CSV export holds at most this many rows: enough for a quarter of a busy desk.
EXPORT_LIMIT = 10_000


@dataclass(frozen=True)
class HistorySearch:
    """Free text matches a customer's email or a conversation id; the rest narrow exactly."""

    text: str = ""
    tool: str = ""
    status: str = ""
    customer: str = ""
    asked: DateRange = field(default_factory=DateRange)

    @classmethod
    def from_request(cls, request: Request) -> HistorySearch:
        params = request.query_params
        status = params.get("status", "")
        return cls(
            text=params.get("q", "").strip(),
            tool=params.get("tool", ""),
            status=status if status in FINISHED else "",
            customer=params.get("customer", "").strip(),
            asked=DateRange.from_query(params),
        )

    def params(self) -> dict[str, str]:
        """The query string for this search, to keep it across pages and in the export link."""
        found = {"q": self.text, "tool": self.tool, "status": self.status}
        return {**found, "customer": self.customer, **self.asked.params()}

    def narrow(self, query: Joined) -> Joined:
        query = query.where(col(Action.status).in_([self.status] if self.status else FINISHED))
        if self.text:
            pattern = f"%{_escape_like(self.text.lower())}%"
            query = query.where(
                or_(
                    col(Conversation.customer_email).ilike(pattern, escape="\\"),
                    col(Action.conversation_id).ilike(pattern, escape="\\"),
                )
            )
        if self.customer:
            query = query.where(
                func.lower(col(Conversation.customer_email)) == self.customer.lower()
            )
        if self.tool:
            query = query.where(col(Action.tool) == self.tool)
        return self.asked.narrow(query)


def _newest_first(query: Joined) -> Joined:
    return query.order_by(col(Action.updated_at).desc(), col(Action.id))


async def finished_rows(
    services: Services, search: HistorySearch, page: Page
) -> tuple[list[ActionRow], Page]:
    """A page of the finished actions matching the search, most recently changed first."""
    query = search.narrow(joined_actions())
    counted_page = await counted(services, query, page)
    rows = await action_rows(
        services, _newest_first(query).offset(counted_page.offset).limit(page.size)
    )
    return rows, counted_page


def _escape_like(text: str) -> str:
    # A customer's email may hold _ or %; they are searched for, not used as wildcards.
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@signed_in()
async def history_page(request: Request, user: SignedIn) -> Response:
    search = HistorySearch.from_request(request)
    page = Page.from_query(request.query_params, PAGE_SIZE)
    rows, page = await finished_rows(services_of(request), search, page)
    context = {
        "rows": rows,
        "search": search,
        "tools": TOOL_LABELS,
        "statuses": FINISHED,
        "page": page,
        "page_link": lambda number: page_link("/console/history", search.params(), number),
        "export": page_link("/console/history.csv", search.params(), 1),
    }
    return render(request, "history.html", context, user=user)


@signed_in()
async def history_csv(request: Request, user: SignedIn) -> Response:
    search = HistorySearch.from_request(request)
    query = _newest_first(search.narrow(joined_actions())).limit(EXPORT_LIMIT)
    return csv_response(await action_rows(services_of(request), query), "history.csv")


routes = [
    Route("/history", history_page, methods=["GET"], name="history"),
    Route("/history.csv", history_csv, methods=["GET"], name="history_csv"),
]
