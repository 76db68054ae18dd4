"""An approval that no longer holds on fresh data is refused in the console, with the reason."""

from __future__ import annotations

from tests.console.web.conftest import Console, add_pending_action, post_form
from tests.keys import EVENT_KEY
from workflows.integrations.demo_app import DemoApp
from workflows.store.models import Action


async def test_approving_a_refund_already_given_by_phone_shows_why_and_runs_nothing(
    console: Console,
) -> None:
    action_id = await add_pending_action(console)  # Katherine's $499.00 team licence
    await DemoApp(console.sessions).refund(
        purchase_id="pur_katherine_team",
        amount_cents=49900,
        reason="refunded by phone",
        idempotency_key="by-phone",
    )
    client = await console.signed_in("approver")
    item = f"/console/actions/{action_id}"

    response = await post_form(client, f"{item}/approve", page=item)

    assert response.status_code == 303
    page = await client.get(item)
    reason = "Refused on a fresh check: the purchase is refunded and cannot be refunded again."
    assert reason in page.text
    async with console.sessions() as session:
        refused = await session.get(Action, action_id)
    assert refused is not None
    assert (refused.status, refused.error, refused.decided_by) == (
        "failed",
        reason,
        "approver@example.com",
    )
    # The run is woken to update the card, the draft and the comment.
    [sent] = console.engine.received("POST", f"/e/{EVENT_KEY}")
    assert sent.json()[0]["data"]["action_id"] == action_id
