"""The deadline, in real time: nobody deciding expires the action on time; a click a second
before it still executes; a click after it is refused."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import pytest
import pytest_asyncio

from tests.e2e.conftest import APPROVAL_SECONDS
from tests.e2e.desk import SETTLE, Desk
from tests.e2e.slack import Card

pytestmark = pytest.mark.asyncio(loop_scope="package")
ASK = "Hi, please refund my lifetime licence, I no longer need it."
# How late the expiry may show on the card: the engine's timer plus the card's update.
EXPIRY_GRACE = 5.0


@dataclass(frozen=True)
class Pending:
    conversation: str
    card: Card
    # The deadline lies in [earliest, latest]: the console shows it to the second, and the
    # action existed before its card was posted.
    earliest: float
    latest: float


@dataclass(frozen=True)
class Deadlines:
    early_click: Pending
    undecided: Pending
    late_click: Pending


async def _pending(desk: Desk, customer: str) -> Pending:
    conversation = await desk.email(customer, ASK)
    card = await desk.card(customer)
    item = await desk.item(card.action_id)
    assert item.status == "pending"
    assert item.expires_at is not None
    latest = min(item.expires_at + 1, card.posted_at + APPROVAL_SECONDS)
    return Pending(conversation, card, item.expires_at, latest)


@pytest_asyncio.fixture(scope="module", loop_scope="package")
async def deadlines(desk: Desk) -> Deadlines:
    """Three actions asked for at once, so the three scenarios share one wait."""
    async with asyncio.TaskGroup() as group:
        early = group.create_task(_pending(desk, "dee-early@example.com"))
        undecided = group.create_task(_pending(desk, "eli-undecided@example.com"))
        late = group.create_task(_pending(desk, "fay-late@example.com"))
    return Deadlines(early.result(), undecided.result(), late.result())


async def _sleep_until(moment: float) -> None:
    await asyncio.sleep(max(0.0, moment - time.time()))


async def test_a_click_one_second_before_the_deadline_executes(
    desk: Desk, deadlines: Deadlines
) -> None:
    pending = deadlines.early_click
    # At least half a second before the earliest possible deadline, about one before the latest.
    await _sleep_until(min(pending.latest - 1.0, pending.earliest - 0.5))

    clicked_at = time.time()
    await desk.click(pending.card, "approve")

    assert clicked_at < pending.earliest
    item = await desk.settled(pending.card.action_id, within=SETTLE)
    assert item.status == "executed"
    assert desk.shop.executions(pending.card.action_id) == 1
    await desk.card_says(pending.card, "done", within=SETTLE)
    await desk.draft_says(pending.conversation, "has been issued", within=SETTLE)


async def test_nobody_deciding_expires_the_action_on_time_everywhere(
    desk: Desk, deadlines: Deadlines
) -> None:
    pending = deadlines.undecided

    shown = await desk.card_says(pending.card, "Expired", within=APPROVAL_SECONDS + SETTLE)

    expired_at = desk.slack.first_shown_at(pending.card, "Expired")
    assert expired_at is not None
    assert expired_at >= pending.earliest
    assert expired_at - pending.latest < EXPIRY_GRACE
    assert "nothing was done" in shown
    assert desk.slack.buttons(pending.card) == []
    item = await desk.settled(pending.card.action_id, within=SETTLE)
    assert item.status == "expired"
    assert item.audit.count("action.expired") == 1
    await desk.draft_says(pending.conversation, "not finished reviewing", within=SETTLE)
    await desk.comment_says(pending.conversation, "expired", within=SETTLE)
    assert desk.shop.executions(pending.card.action_id) == 0


async def test_a_click_after_the_deadline_is_refused_and_executes_nothing(
    desk: Desk, deadlines: Deadlines
) -> None:
    pending = deadlines.late_click
    await _sleep_until(pending.latest + 1.0)

    reply = await desk.click(pending.card, "approve")

    assert "expired" in (await desk.told(reply)).lower()
    item = await desk.settled(pending.card.action_id, within=SETTLE)
    assert item.status == "expired"
    assert "action.approved" not in item.audit
    assert desk.shop.executions(pending.card.action_id) == 0
    await desk.card_says(pending.card, "Expired", within=SETTLE)
