"""The insights page: figures per app and date range, drawn as SVG with no script."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.console.web.conftest import Console
from tests.console.web.insights_seed import HOSTILE_REPLY, HOSTILE_SUBJECT, seed_desk


async def test_the_page_shows_each_figure_of_the_range(console: Console) -> None:
    await seed_desk(console.sessions, console.clock())
    client = await console.signed_in("viewer")

    response = await client.get("/console/insights")

    assert response.status_code == 200
    page = response.text
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", page))
    assert figures == {
        "Messages handled": "4",
        "Time to decision p50": "2h 00m",
        "Time to decision p90": "24h 00m",
        "Refunded": "$254.00",
        "Model cost per conversation": "$0.0500",
        "Drafts sent unedited": "2 of 3 (67%)",
    }
    # One bar per outcome: auto, approved, rejected, edited, expired, failed (a wait is none).
    outcomes = page.split('id="chart-outcomes"')[1].split("</figure>")[0]
    for outcome in (
        "auto: 1",
        "approved: 1",
        "rejected: 1",
        "edited: 1",
        "expired: 1",
        "failed: 1",
    ):
        assert outcome in outcomes
    assert "11-22 · support: 1" in page
    assert "11-22 · automated: 1" in page
    assert "11-23 · unclassified: 2" in page
    assert "11-23 · refunded: $254.00" in page
    assert "11-23 · unedited: 2" in page
    assert '<a href="/console/insights" aria-current="page">Insights</a>' in page


async def test_customer_text_is_escaped_and_the_page_runs_no_script(console: Console) -> None:
    await seed_desk(console.sessions, console.clock())
    client = await console.signed_in("viewer")

    response = await client.get("/console/insights")

    assert HOSTILE_SUBJECT not in response.text
    assert HOSTILE_REPLY not in response.text
    assert "&lt;img src=x onerror=alert(2)&gt; Refunded. Sam" in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; refund" in response.text
    assert "<script>" not in response.text.split("</head>")[1]
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "80%" in response.text.split('id="most-edited"')[1]


async def test_the_range_and_the_app_narrow_the_figures(console: Console) -> None:
    now = console.clock()
    await seed_desk(console.sessions, now)
    await seed_desk(console.sessions, now - timedelta(days=30), app_id="other")
    client = await console.signed_in("viewer")
    today = now.date().isoformat()

    only_today = (await client.get(f"/console/insights?from={today}&to={today}")).text
    other = await client.get("/console/insights?app=other&from=2026-10-20&to=2026-10-31")

    assert "<dt>Messages handled</dt><dd>2</dd>" in only_today
    assert "<dt>Messages handled</dt><dd>4</dd>" in other.text
    assert '<option value="other" selected>' in other.text


async def test_a_range_the_page_cannot_show_is_refused_with_a_reason(console: Console) -> None:
    client = await console.signed_in("viewer")

    backwards = await client.get("/console/insights?from=2026-11-20&to=2026-11-01")
    garbled = await client.get("/console/insights?from=yesterday")
    unknown = await client.get("/console/insights?app=nope")
    too_long = await client.get("/console/insights?from=2020-01-01&to=2026-01-01")

    assert backwards.status_code == garbled.status_code == unknown.status_code == 400
    assert "first day comes after the last" in backwards.text
    assert "YYYY-MM-DD" in garbled.text
    assert "No app has that id" in unknown.text
    assert "at most 366 days" in too_long.text


async def test_signed_out_visitors_are_sent_to_sign_in(console: Console) -> None:
    client = await console.signed_in(None)

    response = await client.get("/console/insights")

    assert response.status_code == 303
    assert response.headers["location"].startswith("/console/login")
