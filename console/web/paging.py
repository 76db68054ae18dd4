"""Pages and date ranges of a list of actions, read from the query string and kept in links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import func
from sqlmodel import col, select
from starlette.datastructures import QueryParams

from console.web.listing import Joined
from workflows.services import Services
from workflows.store.models import Action


def _day(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@dataclass(frozen=True)
class DateRange:
    """Actions asked for on or after `start` and on or before `end` (whole UTC days)."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def from_query(cls, params: QueryParams) -> DateRange:
        return cls(start=_day(params.get("from")), end=_day(params.get("to")))

    def narrow(self, query: Joined) -> Joined:
        if self.start is not None:
            query = query.where(col(Action.created_at) >= datetime.combine(self.start, time(), UTC))
        if self.end is not None:
            after = datetime.combine(self.end + timedelta(days=1), time(), UTC)
            query = query.where(col(Action.created_at) < after)
        return query

    def params(self) -> dict[str, str]:
        found = {"from": self.start, "to": self.end}
        return {name: day.isoformat() for name, day in found.items() if day is not None}


@dataclass(frozen=True)
class Page:
    """One page of a list: its number (from 1), its size, and how many there are in all."""

    number: int
    size: int
    total: int = 0

    @classmethod
    def from_query(cls, params: QueryParams, size: int) -> Page:
        raw = params.get("page", "1")
        return cls(number=max(int(raw), 1) if raw.isdigit() else 1, size=size)

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def count(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.count else None


async def counted(services: Services, query: Joined, page: Page) -> Page:
    """The page with the number of rows the narrowed query finds in all."""
    total = select(func.count()).select_from(query.order_by(None).subquery())
    async with services.sessions() as session:
        found = (await session.exec(total)).one()
    return Page(number=page.number, size=page.size, total=int(found))


def page_link(path: str, params: dict[str, Any], number: int) -> str:
    """The same list, narrowed the same way, at another page."""
    kept = {name: value for name, value in params.items() if value not in (None, "")}
    return f"{path}?{urlencode({**kept, 'page': number})}"
