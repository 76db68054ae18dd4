"""History: finished actions with who and when, found by customer, conversation or action."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlmodel import col

from tests.console.web.conftest import Console, add_pending_action
from workflows.store.models import Action


async def _finish(console: Console, action_id: str, status: str, by: str | None = None) -> None:
    async with console.sessions.begin() as session:
        await session.exec(
            update(Action)
            .where(col(Action.id) == action_id)
            .values(status=status, decided_by=by, decided_at=console.clock() if by else None)
        )


async def test_history_shows_finished_actions_with_who_and_not_pending_ones(
    console: Console,
) -> None:
    executed = await add_pending_action(console, customer="katherine@example.com")
    expired = await add_pending_action(console, customer="grace@example.com")
    pending = await add_pending_action(console, customer="ada@example.com")
    await _finish(console, executed, "executed", by="lee@example.com")
    await _finish(console, expired, "expired")
    client = await console.signed_in("viewer")

    page = (await client.get("/console/history")).text

    assert executed in page
    assert expired in page
    assert pending not in page
    assert "lee@example.com, 2026-11-23 09:00:00 UTC" in page


async def test_search_by_customer_conversation_action_and_outcome(console: Console) -> None:
    refund = await add_pending_action(console, customer="katherine@example.com")
    transfer = await add_pending_action(
        console,
        customer="grace_h@example.com",
        tool="transfer_license",
        params={"purchase_id": "pur_grace_lifetime", "to_email": "new@example.com"},
    )
    await _finish(console, refund, "rejected", by="lee@example.com")
    await _finish(console, transfer, "executed", by="lee@example.com")
    async with console.sessions() as session:
        row = await session.get(Action, transfer)
    assert row is not None
    client = await console.signed_in("viewer")

    async def found(query: str) -> set[str]:
        page = (await client.get(f"/console/history?{query}")).text
        return {action for action in (refund, transfer) if action in page}

    assert await found("q=KATHERINE") == {refund}
    assert await found(f"q={row.conversation_id}") == {transfer}
    assert await found("tool=transfer_license") == {transfer}
    assert await found("status=rejected") == {refund}
    # An underscore is searched for, not a wildcard.
    assert await found("q=grace_h") == {transfer}
    assert await found("q=e_a") == set()


async def test_an_items_audit_trail_is_on_its_page(console: Console) -> None:
    from tests.console.web.conftest import post_form

    action_id = await add_pending_action(console)
    client = await console.signed_in("approver")
    item = f"/console/actions/{action_id}"
    await post_form(client, f"{item}/reject", {"reason": "Duplicate request"}, page=item)

    page = (await client.get(item)).text

    assert "action.rejected" in page
    assert "console:approver@example.com" in page
    assert "Duplicate request" in page


async def test_the_history_of_one_customer_in_a_date_range_pages_by_fifty(
    console: Console,
) -> None:
    early = await add_pending_action(console, customer="Katherine@Example.com")
    await _finish(console, early, "executed", by="lee@example.com")
    console.clock.advance(timedelta(days=2))
    later = [await add_pending_action(console, customer="katherine@example.com") for _ in range(51)]
    for action_id in later:
        await _finish(console, action_id, "rejected", by="lee@example.com")
    other = await add_pending_action(console, customer="grace@example.com")
    await _finish(console, other, "executed", by="lee@example.com")
    client = await console.signed_in("viewer")

    first = (await client.get("/console/history?customer=katherine@example.com")).text
    second = (await client.get("/console/history?customer=katherine@example.com&page=2")).text
    day = "2026-11-23"
    on_the_first_day = (await client.get(f"/console/history?from={day}&to={day}")).text

    assert "History of katherine@example.com" in first
    assert first.count('<tr data-action="') == 50
    assert "Page 1 of 2" in first
    assert second.count('<tr data-action="') == 2
    assert other not in first + second
    assert early in on_the_first_day
    assert not any(action_id in on_the_first_day for action_id in later)


async def test_the_csv_follows_the_search_and_needs_a_sign_in(console: Console) -> None:
    kept = await add_pending_action(console, customer="katherine@example.com")
    left = await add_pending_action(console, customer="grace@example.com")
    await _finish(console, kept, "executed", by="lee@example.com")
    await _finish(console, left, "executed", by="lee@example.com")
    client = await console.signed_in("viewer")

    exported = await client.get("/console/history.csv?q=katherine")
    anonymous = await console.client().get("/console/history.csv")

    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in exported.headers["content-disposition"]
    lines = exported.text.splitlines()
    assert lines[0].startswith("action_id,outcome,decided_by")
    assert len(lines) == 2
    assert kept in lines[1]
    assert "$499.00" in lines[1]
    assert anonymous.status_code == 303
