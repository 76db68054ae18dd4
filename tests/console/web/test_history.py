"""History: finished actions with who and when, found by customer, conversation or action."""

from __future__ import annotations

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
