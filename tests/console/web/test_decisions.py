"""Deciding from the item page goes through the one decision service, and only for approvers."""

from __future__ import annotations

from datetime import timedelta

from tests.console.web.conftest import (
    Console,
    add_pending_action,
    csrf_of,
    post_form,
)
from tests.keys import EVENT_KEY
from workflows.integrations.demo_app import DEMO_APP_ID
from workflows.store.crud import list_audit_entries
from workflows.store.models import Action, App


async def _action(console: Console, action_id: str) -> Action:
    async with console.sessions() as session:
        action = await session.get(Action, action_id)
    assert action is not None
    return action


async def test_item_page_shows_the_request_action_policy_draft_and_forms(
    console: Console,
) -> None:
    action_id = await add_pending_action(console)
    client = await console.signed_in("approver")

    page = await client.get(f"/console/actions/{action_id}")

    assert page.status_code == 200
    for shown in (
        "I would like a refund for my team licence please.",
        "katherine@example.com",
        "$499.00",
        "refunds over $20 need a person",
        "The customer asked for a refund.",
        "our team is reviewing your refund",
        'id="approve"',
        'id="reject"',
        'id="edit-approve"',
        "24h 00m left",
    ):
        assert shown in page.text


async def test_approve_stores_who_and_when_and_audits(console: Console) -> None:
    action_id = await add_pending_action(console)
    client = await console.signed_in("approver")
    item = f"/console/actions/{action_id}"

    response = await post_form(client, f"{item}/approve", page=item)

    assert response.status_code == 303
    assert response.headers["location"] == item
    action = await _action(console, action_id)
    assert (action.status, action.decided_by) == ("approved", "approver@example.com")
    assert action.decided_at == console.clock()
    page = await client.get(item)
    assert "Approved by approver@example.com." in page.text
    assert 'id="approve"' not in page.text
    async with console.sessions() as session:
        entries = await list_audit_entries(session=session, subject=action_id)
    assert [(e.action, e.actor) for e in entries] == [
        ("action.approved", "console:approver@example.com")
    ]
    [sent] = console.engine.received("POST", f"/e/{EVENT_KEY}")
    [event] = sent.json()
    assert event["name"] == "action/decided"
    assert event["data"]["action_id"] == action_id
    assert event["data"]["decided_by"] == "approver@example.com"


async def test_reject_needs_a_reason_and_keeps_it(console: Console) -> None:
    action_id = await add_pending_action(console)
    client = await console.signed_in("admin")
    item = f"/console/actions/{action_id}"

    empty = await post_form(client, f"{item}/reject", {"reason": "  "}, page=item)
    assert empty.status_code == 303
    assert (await _action(console, action_id)).status == "pending"

    await post_form(client, f"{item}/reject", {"reason": "Outside the refund window"}, page=item)

    action = await _action(console, action_id)
    assert (action.status, action.decision_reason) == ("rejected", "Outside the refund window")
    assert "Outside the refund window" in (await client.get(item)).text


async def test_edit_then_approve_changes_the_amount_in_cents(console: Console) -> None:
    action_id = await add_pending_action(console)
    client = await console.signed_in("approver")
    item = f"/console/actions/{action_id}"

    await post_form(client, f"{item}/edit", {"amount_cents": "100.50"}, page=item)

    action = await _action(console, action_id)
    assert action.status == "approved"
    assert action.params["amount_cents"] == 10050
    assert action.params["purchase_id"] == "pur_katherine_team"


async def test_an_unusable_edit_approves_nothing_and_says_why(console: Console) -> None:
    action_id = await add_pending_action(console)
    client = await console.signed_in("approver")
    item = f"/console/actions/{action_id}"

    await post_form(client, f"{item}/edit", {"amount_cents": "12.345"}, page=item)

    assert (await _action(console, action_id)).status == "pending"
    assert "not a whole number of cents" in (await client.get(item)).text


async def test_a_late_click_is_told_who_decided(console: Console) -> None:
    action_id = await add_pending_action(console)
    first = await console.signed_in("approver")
    second = await console.signed_in("admin")
    item = f"/console/actions/{action_id}"
    stale_token = csrf_of((await second.get(item)).text)

    await post_form(first, f"{item}/approve", page=item)
    await second.post(f"{item}/reject", data={"reason": "no", "csrf_token": stale_token})

    assert (await _action(console, action_id)).status == "approved"
    assert "Already approved by approver@example.com" in (await second.get(item)).text


async def test_an_expired_item_offers_no_decision_and_refuses_one(console: Console) -> None:
    action_id = await add_pending_action(console, expires_in=timedelta(minutes=5))
    client = await console.signed_in("approver")
    item = f"/console/actions/{action_id}"
    token = csrf_of((await client.get(item)).text)
    console.clock.advance(timedelta(minutes=6))

    assert 'id="approve"' not in (await client.get(item)).text
    await client.post(f"{item}/approve", data={"csrf_token": token})

    assert (await _action(console, action_id)).status == "pending"
    assert "expired before anyone decided" in (await client.get(item)).text


async def test_a_viewer_sees_no_buttons_and_a_forged_post_is_refused(console: Console) -> None:
    action_id = await add_pending_action(console)
    client = await console.signed_in("viewer")
    item = f"/console/actions/{action_id}"

    page = await client.get(item)
    forged = await client.post(f"{item}/approve", data={"csrf_token": csrf_of(page.text)})

    assert 'id="approve"' not in page.text
    assert "deciding needs the approver role" in page.text
    assert forged.status_code == 403
    assert (await _action(console, action_id)).status == "pending"


async def test_a_post_without_the_csrf_token_is_refused(console: Console) -> None:
    action_id = await add_pending_action(console)
    client = await console.signed_in("approver")

    response = await client.post(f"/console/actions/{action_id}/approve")
    wrong = await client.post(f"/console/actions/{action_id}/approve", data={"csrf_token": "x"})

    assert response.status_code == wrong.status_code == 403
    assert (await _action(console, action_id)).status == "pending"


async def test_an_unknown_action_is_a_404(console: Console) -> None:
    client = await console.signed_in("viewer")

    assert (await client.get("/console/actions/act_nope")).status_code == 404


async def test_above_the_apps_limit_an_unconfirmed_approval_decides_nothing(
    console: Console,
) -> None:
    async with console.sessions.begin() as session:
        app = await session.get(App, DEMO_APP_ID)
        assert app is not None
        app.confirm_above_cents = 20_000
    action_id = await add_pending_action(console)  # $499.00
    client = await console.signed_in("approver")
    item = f"/console/actions/{action_id}"
    assert 'name="confirmed"' in (await client.get(item)).text

    await post_form(client, f"{item}/approve", page=item)
    await post_form(client, f"{item}/edit", {"amount_cents": "300.00"}, page=item)

    assert (await _action(console, action_id)).status == "pending"
    assert "confirm the amount first" in (await client.get(item)).text
    await post_form(client, f"{item}/edit", {"amount_cents": "150.00"}, page=item)
    edited = await _action(console, action_id)
    assert (edited.status, edited.params["amount_cents"]) == ("approved", 15000)


async def test_a_decision_goes_on_to_the_next_item_waiting(console: Console) -> None:
    first = await add_pending_action(console)
    console.clock.advance(timedelta(minutes=1))
    second = await add_pending_action(console)
    client = await console.signed_in("approver")
    item = f"/console/actions/{first}"
    page = (await client.get(item)).text
    assert f'href="/console/actions/{second}" rel="next"' in page

    response = await post_form(client, f"{item}/approve", page=item)

    assert response.headers["location"] == f"/console/actions/{second}"
    assert "Here is the next item waiting." in (await client.get(response.headers["location"])).text
