"""Insights: how the desk is doing, per app and date range, drawn as server-side SVG charts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import fmean
from typing import Any

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from console.web.insights_charts import (
    PALETTE,
    Chart,
    Format,
    Series,
    bar_chart,
    daily_chart,
)
from console.web.insights_data import OUTCOMES, Insights, Period, gather_insights, percentile
from console.web.rendering import duration, money, render
from console.web.security import SignedIn, services_of, signed_in
from workflows.store.models import App

DEFAULT_DAYS = 14
MAX_DAYS = 366
OUTCOME_COLORS = dict(zip(OUTCOMES, PALETTE, strict=False))
SENT_COLORS = {"unedited": "#009E73", "edited": "#E69F00"}


class RangeError(ValueError):
    """The query string asks for a range the page cannot show; the message says why."""


@dataclass(frozen=True)
class Choice:
    """The app and days asked for, as the form shows them back."""

    app: str
    start: str
    end: str


def period_of(query: Mapping[str, str], *, app_ids: set[str], today: date) -> Period:
    """The period a query string (`app`, `from`, `to`, YYYY-MM-DD) asks for; the last
    DEFAULT_DAYS days of every app by default."""
    app = query.get("app") or None
    if app is not None and app not in app_ids:
        raise RangeError("No app has that id.")
    try:
        end = date.fromisoformat(query["to"]) if query.get("to") else today
        start = (
            date.fromisoformat(query["from"])
            if query.get("from")
            else end - timedelta(days=DEFAULT_DAYS - 1)
        )
    except ValueError:
        raise RangeError("Dates are written YYYY-MM-DD.") from None
    if start > end:
        raise RangeError("The first day comes after the last.")
    if (end - start).days >= MAX_DAYS:
        raise RangeError(f"Ask for at most {MAX_DAYS} days at a time.")
    return Period(app, start, end)


def _in_currency(currency: str) -> Format:
    def formatted(cents: float) -> str:
        return money(round(cents), currency)

    return formatted


def _usd(value: float) -> str:
    return f"${value:,.4f}" if 0 < value < 1 else f"${value:,.2f}"


def charts(period: Period, insights: Insights) -> list[Chart]:
    """Every chart of the page, in reading order."""
    days = period.days
    outcome_series = [
        Series(
            name,
            [float(insights.outcomes[name]) if slot == name else 0.0 for slot in OUTCOMES],
            OUTCOME_COLORS[name],
        )
        for name in OUTCOMES
    ]
    made = [
        daily_chart(
            "messages", "Messages handled per day, by triage class", days, insights.messages
        ),
        bar_chart("outcomes", "Outcomes of proposed actions", OUTCOMES, outcome_series),
    ]
    for currency, cents in sorted(insights.refunded_cents.items()):
        made.append(
            daily_chart(
                f"refunded-{currency.lower()}",
                f"Money refunded per day ({currency})",
                days,
                {"refunded": cents},
                fmt=_in_currency(currency),
            )
        )
    if not insights.refunded_cents:
        made.append(daily_chart("refunded-usd", "Money refunded per day", days, {}))
    mean_cost = {day: fmean(costs) for day, costs in insights.cost_by_day.items()}
    made.append(
        daily_chart(
            "cost",
            "Model cost per conversation (mean, by the day it began)",
            days,
            {"cost per conversation": mean_cost},
            fmt=_usd,
        )
    )
    made.append(
        daily_chart(
            "sent", "Drafts sent, unedited and edited", days, insights.sent, colors=SENT_COLORS
        )
    )
    return made


def figures(insights: Insights) -> dict[str, str]:
    """The headline numbers above the charts."""
    p50 = percentile(insights.decision_seconds, 0.5)
    p90 = percentile(insights.decision_seconds, 0.9)
    costs = list(insights.conversation_costs.values())
    sent, unedited = insights.sent_total, insights.sent_unedited
    refunded = ", ".join(
        money(sum(days.values()), currency)
        for currency, days in sorted(insights.refunded_cents.items())
    )
    return {
        "Messages handled": f"{sum(sum(d.values()) for d in insights.messages.values()):,}",
        "Time to decision p50": duration(timedelta(seconds=p50)) if p50 is not None else "-",
        "Time to decision p90": duration(timedelta(seconds=p90)) if p90 is not None else "-",
        "Refunded": refunded or money(0),
        "Model cost per conversation": _usd(fmean(costs)) if costs else "-",
        "Drafts sent unedited": f"{unedited} of {sent} ({unedited / sent:.0%})" if sent else "-",
    }


@signed_in()
async def insights_page(request: Request, user: SignedIn) -> Response:
    today = request.app.state.clock().date()
    async with services_of(request).sessions() as session:
        app_ids = set((await session.exec(select(App.id).order_by(col(App.id)))).all())
        try:
            period = period_of(request.query_params, app_ids=app_ids, today=today)
            error = None
        except RangeError as refused:
            period, error = period_of({}, app_ids=app_ids, today=today), str(refused)
        insights = await gather_insights(session=session, period=period)
    context: dict[str, Any] = {
        "apps": sorted(app_ids),
        "choice": Choice(period.app_id or "", period.start.isoformat(), period.end.isoformat()),
        "error": error,
        "charts": charts(period, insights),
        "figures": figures(insights),
        "most_edited": insights.most_edited,
    }
    return render(request, "insights.html", context, user=user, status_code=400 if error else 200)


routes = [Route("/insights", insights_page, methods=["GET"], name="insights")]
