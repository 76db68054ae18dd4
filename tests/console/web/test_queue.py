"""The queue: pending and unexpired only, oldest first, filtered by app and action, escaped."""

from __future__ import annotations

from datetime import timedelta

from tests.console.web.conftest import Console, add_pending_action


async def test_the_queue_lists_pending_items_oldest_first_with_time_left(
    console: Console,
) -> None:
    older = await add_pending_action(console, customer="katherine@example.com")
    console.clock.advance(timedelta(hours=1))
    newer = await add_pending_action(console, customer="grace@example.com")
    await add_pending_action(console, status="executed")
    client = await console.signed_in("viewer")

    page = (await client.get("/console/")).text

    assert page.index(older) < page.index(newer)
    assert page.count('<tr data-action="') == 2
    assert "23h 00m left" in page  # the older one, an hour on
    assert "24h 00m left" in page
    assert "$499.00" in page


async def test_filters_narrow_by_app_and_action(console: Console) -> None:
    refund = await add_pending_action(console)
    transfer = await add_pending_action(
        console,
        tool="transfer_license",
        params={"purchase_id": "pur_katherine_team", "to_email": "new@example.com"},
    )
    client = await console.signed_in("viewer")

    by_tool = (await client.get("/console/?tool=transfer_license")).text
    by_app = (await client.get("/console/?app=demo")).text
    other_app = (await client.get("/console/?app=notes")).text

    assert transfer in by_tool
    assert refund not in by_tool
    assert refund in by_app
    assert transfer in by_app
    assert "Nothing is waiting for a decision." in other_app


async def test_an_item_past_its_expiry_leaves_the_queue(console: Console) -> None:
    action_id = await add_pending_action(console, expires_in=timedelta(minutes=10))
    client = await console.signed_in("viewer")
    assert action_id in (await client.get("/console/")).text

    console.clock.advance(timedelta(minutes=10))

    assert action_id not in (await client.get("/console/")).text


async def test_customer_text_is_escaped_in_the_queue_and_the_item(console: Console) -> None:
    hostile = 'Refund please <script>alert(1)</script><img src=x onerror="alert(2)">'
    action_id = await add_pending_action(console, text=hostile)
    client = await console.signed_in("viewer")

    for page in ("/console/", f"/console/actions/{action_id}"):
        html = (await client.get(page)).text
        assert "<script>alert(1)" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


async def test_a_date_range_narrows_the_queue(console: Console) -> None:
    older = await add_pending_action(console)
    console.clock.advance(timedelta(hours=20))  # 2026-11-24 05:00
    newer = await add_pending_action(console)
    client = await console.signed_in("viewer")

    page = (await client.get("/console/?from=2026-11-24&to=2026-11-24")).text

    assert newer in page
    assert older not in page
    assert 'value="2026-11-24"' in page
    # The live updates keep to the same range.
    assert "/console/queue/stream?from=2026-11-24&amp;to=2026-11-24&amp;page=1" in page
