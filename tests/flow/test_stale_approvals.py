"""An approval is checked against fresh data from the app, when clicked and again before it runs.

The app here is the demo app served over HTTP, reached through the signed integration contract.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from tests.engine.harness import free_port, serve
from tests.flow.approvals import action, approval_run, click, demo_operations
from tests.flow.inbound import actions, comments, handled, inbound
from tests.flow.stack import Stack
from workflows.approvals.recheck import recheck
from workflows.engine import schema
from workflows.events import ACTION_DECIDED, ActionDecided
from workflows.integrations.app_client import HttpAppIntegration
from workflows.integrations.demo_app import DemoApp
from workflows.integrations.demo_http import demo_app_asgi
from workflows.steps.recovery import RESEND_AFTER
from workflows.store.crud import create_app, get_app
from workflows.store.models import Action, App, Conversation

APP_ID = "acme"
INBOX_ID = "inb_acme"
SECRET = "acme-integration-secret"
CUSTOMER = "katherine@example.com"
LICENCE = "pur_katherine_team"


@pytest.fixture
async def acme(stack: Stack) -> AsyncIterator[str]:
    """An app whose integration is the demo app over HTTP on a free port; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    async with serve(demo_app_asgi(DemoApp(stack.sessions), secret=SECRET), port):
        async with stack.sessions.begin() as session:
            await create_app(
                session=session,
                id=APP_ID,
                name="Acme",
                integration_url=url,
                integration_secret=SECRET,
                front_inbox_ids=[INBOX_ID],
            )
        yield url


async def proposed(stack: Stack, text: str) -> Action:
    """Katherine writes to Acme in a new conversation; the one pending action it proposes."""
    message = inbound(text, sender=CUSTOMER).model_copy(
        update={"app_id": APP_ID, "inbox_id": INBOX_ID}
    )
    await handled(stack, message)
    [pending] = await actions(stack, message.conversation_id)
    assert pending.status == "pending", pending
    return pending


async def transfer_to(stack: Stack, email: str) -> Action:
    return await proposed(stack, f"Please transfer my licence to {email}, thanks.")


async def all_waiting(stack: Stack, count: int) -> None:
    """Until `count` approval runs are parked on their wait for a decision."""

    async def parked() -> bool | None:
        async with stack.harness.engine.store.engine.connect() as connection:
            query = select(func.count()).select_from(schema.pauses)
            waiting = (await connection.execute(query)).scalar_one()
        return True if waiting >= count else None

    await stack.harness.settle(parked)


async def owner_of_licence(url: str, candidates: list[str]) -> list[str]:
    """Which of the candidates the app says hold the licence now."""
    owners = []
    async with HttpAppIntegration(url=url, secret=SECRET) as app:
        for email in candidates:
            user = await app.lookup_user(email)
            if user is not None and LICENCE in {p.id for p in await app.purchases(user.id)}:
                owners.append(email)
    return owners


async def test_five_approved_transfers_of_one_licence_move_it_once(stack: Stack, acme: str) -> None:
    recipients = [f"colleague{i}@example.com" for i in range(5)]
    pending = [await transfer_to(stack, email) for email in recipients]
    await all_waiting(stack, len(pending))

    await asyncio.gather(*(click(stack, p.id) for p in pending))
    for p in pending:
        await approval_run(stack, p.id)

    transfers = [op for op in await demo_operations(stack) if op.method == "transfer"]
    assert len(transfers) == 1
    rows = [await action(stack, p.id) for p in pending]
    [moved] = [r for r in rows if r.status == "executed"]
    new_owner = moved.params["to_email"]
    assert await owner_of_licence(acme, [CUSTOMER, *recipients]) == [new_owner]
    refused = [r for r in rows if r.id != moved.id]
    assert {r.status for r in refused} == {"failed"}
    assert {r.error for r in refused} == {
        f"Refused on a fresh check: the licence now belongs to {new_owner}."
    }


async def test_an_approval_clicked_after_the_licence_moved_is_refused_with_the_reason(
    stack: Stack, acme: str
) -> None:
    first = await transfer_to(stack, "bob@example.com")
    second = await transfer_to(stack, "carol@example.com")
    await all_waiting(stack, 2)
    await click(stack, first.id)
    await approval_run(stack, first.id)

    answer = await click(stack, second.id)

    assert answer.outcome != "decided"
    assert "the licence now belongs to bob@example.com" in answer.message
    run = await approval_run(stack, second.id)
    assert run["status"] == "Completed", run
    refused = await action(stack, second.id)
    assert (refused.status, refused.error) == ("failed", answer.message)
    assert len([op for op in await demo_operations(stack) if op.method == "transfer"]) == 1
    notes = " ".join(c.body for c in await comments(stack, second.conversation_id))
    assert "the licence now belongs to bob@example.com" in notes
    assert await owner_of_licence(acme, [CUSTOMER, "bob@example.com", "carol@example.com"]) == [
        "bob@example.com"
    ]


async def test_a_refund_of_a_purchase_transferred_away_is_refused_at_the_click(
    stack: Stack, acme: str
) -> None:
    refund = await proposed(stack, "I would like a refund for my team licence please.")
    transfer = await transfer_to(stack, "bob@example.com")
    await all_waiting(stack, 2)
    await click(stack, transfer.id)
    await approval_run(stack, transfer.id)

    answer = await click(stack, refund.id)

    assert "the purchase now belongs to bob@example.com" in answer.message
    await approval_run(stack, refund.id)
    assert (await action(stack, refund.id)).status == "failed"
    assert [op.method for op in await demo_operations(stack)] == ["transfer"]


async def test_a_refund_approved_before_the_purchase_moved_is_refused_when_it_runs(
    stack: Stack, acme: str
) -> None:
    # The approval was recorded while the purchase was still hers; the licence then moved in
    # the product itself, and only then did the run get to execute.
    refund = await proposed(stack, "I would like a refund for my team licence please.")
    await all_waiting(stack, 1)
    async with HttpAppIntegration(url=acme, secret=SECRET) as app:
        await app.transfer(purchase_id=LICENCE, to_email="dan@example.com", idempotency_key="k1")
    async with stack.sessions.begin() as session:
        await session.exec(
            update(Action)
            .where(col(Action.id) == refund.id)
            .values(status="approved", decided_by="Lee Lead")
        )
    decided = ActionDecided(action_id=refund.id, decision="approved", decided_by="Lee Lead")
    await stack.harness.send(ACTION_DECIDED, decided.model_dump(mode="json"))

    await approval_run(stack, refund.id)

    failed = await action(stack, refund.id)
    assert failed.status == "failed"
    assert failed.error == (
        "Refused on a fresh check: the purchase no longer belongs to katherine@example.com."
    )
    assert [op.method for op in await demo_operations(stack)] == ["transfer"]


async def test_an_edit_past_what_is_left_is_refused_in_money(stack: Stack, acme: str) -> None:
    refund = await proposed(stack, "I would like a refund for my team licence please.")
    await all_waiting(stack, 1)

    answer = await click(stack, refund.id, edits={"amount_cents": 500_000})

    assert answer.outcome == "invalid"
    assert "$5,000.00 is more than the $499.00 left on the purchase" in answer.message
    assert (await action(stack, refund.id)).status == "pending"


async def email_change(stack: Stack, new_email: str) -> tuple[Action, App]:
    """A pending change of Katherine's account email, as if the agent had proposed it."""
    async with stack.sessions.begin() as session:
        session.add(
            Conversation(id="cnv_email", app_id=APP_ID, inbox_id=INBOX_ID, customer_email=CUSTOMER)
        )
        row = Action(
            id="act_email",
            app_id=APP_ID,
            conversation_id="cnv_email",
            run_id="run_email",
            tool="update_email",
            params={"user_id": "usr_katherine", "new_email": new_email},
            verdict="needs_approval",
            status="pending",
        )
        session.add(row)
    async with stack.sessions() as session:
        app = await get_app(session=session, id=APP_ID)
        stored = await session.get(Action, "act_email")
    assert app is not None
    assert stored is not None
    return stored, app


async def test_an_email_change_to_an_address_taken_since_is_refused(
    stack: Stack, acme: str
) -> None:
    change, app = await email_change(stack, "kj@new.example")
    async with HttpAppIntegration(url=acme, secret=SECRET) as integration:
        await integration.update_email(
            user_id="usr_grace", new_email="kj@new.example", idempotency_key="k2"
        )

    reason = await recheck(stack.services, change, app)

    assert reason == "kj@new.example is already used by another account"


async def test_an_email_change_after_the_address_already_changed_is_refused(
    stack: Stack, acme: str
) -> None:
    change, app = await email_change(stack, "kj@new.example")
    async with HttpAppIntegration(url=acme, secret=SECRET) as integration:
        await integration.update_email(
            user_id="usr_katherine", new_email="k@other.example", idempotency_key="k3"
        )

    reason = await recheck(stack.services, change, app)

    assert reason == "there is no account for katherine@example.com any more"


async def test_an_action_that_still_holds_passes_the_check(stack: Stack, acme: str) -> None:
    change, app = await email_change(stack, "kj@new.example")

    assert await recheck(stack.services, change, app) is None


async def test_a_refusal_whose_event_never_reached_the_run_is_still_reported(
    stack: Stack, acme: str
) -> None:
    # As `decide` leaves it when the licence had moved, but with its event lost on the way.
    transfer = await transfer_to(stack, "bob@example.com")
    await all_waiting(stack, 1)
    error = "Refused on a fresh check: the licence now belongs to dan@example.com."
    async with stack.sessions.begin() as session:
        await session.exec(
            update(Action)
            .where(col(Action.id) == transfer.id)
            .values(
                status="failed",
                decided_by="Lee Lead",
                decided_at=stack.services.clock(),
                error=error,
            )
        )

    stack.clock.advance(RESEND_AFTER.total_seconds() + 60)
    run = await approval_run(stack, transfer.id)

    assert run["status"] == "Completed", run
    notes = " ".join(c.body for c in await comments(stack, transfer.conversation_id))
    assert "the licence now belongs to dan@example.com" in notes
    assert [op.method for op in await demo_operations(stack)] == []
