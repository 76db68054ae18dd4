"""The invariant soak: forty actions, decided at random (seeded) or not at all, in real time.

At the end every action is in exactly one terminal state, executed only if approved before its
deadline, executed at most once (counted at the product), and none is left pending.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass

import pytest

from tests.e2e.conftest import APPROVAL_SECONDS
from tests.e2e.desk import CONSOLE_POLL, TERMINAL, Desk, Item, until
from tests.e2e.shop import PRICE_CENTS, purchase_of
from tests.e2e.slack import Card
from tests.e2e.soak_figures import Outcome, figures, save

pytestmark = pytest.mark.asyncio(loop_scope="package")
SEED = 20261201
ACTIONS = 40
ARRIVALS = 30.0  # seconds over which the customers write in
# The README's bounds: no action stays pending more than a minute past its deadline, and a
# decision whose wait missed it reaches its run within 90 seconds (plus a little, for a busy
# machine). The soak waits no longer than every action needs.
EXPIRED_WITHIN = 60.0
ENDED_WITHIN = 100.0
ASK = "Hi, I would like a refund for my lifetime licence please."
TERMINAL_ENTRIES = ("action.executed", "action.rejected", "action.expired", "action.failed")


@dataclass(frozen=True)
class Plan:
    customer: str
    arrival: float  # seconds after the start
    decision: str  # approve | reject | edit | none
    # When to decide, as a share of the time the card leaves: past the deadline above 1.
    share: float
    amount: str  # for an edit


def plans(seed: int) -> list[Plan]:
    rng = random.Random(seed)
    return [
        Plan(
            customer=f"soak-{number:02d}@example.com",
            arrival=rng.uniform(0, ARRIVALS),
            decision=rng.choice(["approve", "reject", "edit", "none"]),
            share=rng.uniform(0.05, 1.25),
            amount=f"{rng.randint(100, PRICE_CENTS // 100 - 1)}.{rng.randint(0, 99):02d}",
        )
        for number in range(ACTIONS)
    ]


@dataclass(frozen=True)
class Story:
    """What happened to one plan up to its decision."""

    card: Card
    earliest: float  # the deadline lies in [earliest, latest]
    latest: float
    decided_at: float | None  # when the deciding request was sent


async def _play(desk: Desk, plan: Plan, start: float) -> Story:
    """One customer's story: they write; a person decides (or not) after a while."""
    await asyncio.sleep(max(0.0, start + plan.arrival - time.time()))
    conversation = await desk.email(plan.customer, ASK)
    try:
        card = await desk.card(plan.customer, within=60)
    except AssertionError as error:
        raise AssertionError(f"{error} (conversation {conversation})") from None
    item = await desk.item(card.action_id)
    earliest = item.expires_at if item.expires_at is not None else card.posted_at
    latest = min(earliest + 1, card.posted_at + APPROVAL_SECONDS)
    left = latest - card.posted_at  # the card may come late on a busy machine
    wait = max(0.3, plan.share * left) if left > 0 else plan.share
    await asyncio.sleep(max(0.0, card.posted_at + wait - time.time()))
    decided_at: float | None = time.time()
    if plan.decision == "approve":
        await desk.click(card, "approve")
    elif plan.decision == "reject":
        reason = {"reason": "Not this time"}
        decided_at = await desk.submit("reject", card, reason, late_ack_ok=True)
    elif plan.decision == "edit":
        amount = {"amount_cents": plan.amount}
        decided_at = await desk.submit("edit", card, amount, late_ack_ok=True)
    else:
        decided_at = None
    return Story(card, earliest, latest, decided_at)


async def test_forty_random_decisions_keep_every_promise(desk: Desk) -> None:
    start, late_acks_before = time.time(), desk.late_acks
    schedule = plans(SEED)
    # A task group: if one story fails, the others stop with it rather than run on.
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(_play(desk, plan, start)) for plan in schedule]
    stories = [task.result() for task in tasks]
    ends = max(story.latest for story in stories) + ENDED_WITHIN
    items = [await _ended(desk, story.card, by=ends) for story in stories]
    outcomes = [
        _outcome(desk, plan, story, item)
        for plan, story, item in zip(schedule, stories, items, strict=True)
    ]
    report = figures(outcomes, seed=SEED, seconds=time.time() - start)
    report["slack_submissions_acknowledged_late"] = desk.late_acks - late_acks_before
    print(json.dumps(report, indent=2))
    print(f"saved to {save(report)}")

    broken = [
        f"{plan.customer} ({plan.decision}, {story.card.action_id}): {promise}; "
        f"the card shows {desk.slack.shown(story.card)[:160]!r}"
        for plan, story, item in zip(schedule, stories, items, strict=True)
        for promise in _broken_promises(desk, plan, story, item)
    ]
    assert not broken, "\n".join(broken)


async def _ended(desk: Desk, card: Card, *, by: float) -> Item:
    """The action's page once it has ended and its card says so, or as it stands at `by`."""

    async def ended() -> Item | None:
        item = await desk.item(card.action_id)
        done = item.status in TERMINAL and not desk.slack.buttons(card)
        return item if done or time.time() > by else None

    return await until(ended, within=by - time.time() + 30, what="the page", every=CONSOLE_POLL)


def _outcome(desk: Desk, plan: Plan, story: Story, item: Item) -> Outcome:
    refund = desk.shop.refunds.get(story.card.action_id)
    return Outcome(
        customer=plan.customer,
        action_id=story.card.action_id,
        decision=plan.decision,
        decided_at=story.decided_at,
        deadline_earliest=story.earliest,
        deadline_latest=story.latest,
        card_shown_after=story.card.posted_at - (story.earliest - APPROVAL_SECONDS),
        status=item.status,
        executed_at=refund.at if refund else None,
        expired_shown_at=desk.slack.first_shown_at(story.card, "Expired"),
    )


def _broken_promises(desk: Desk, plan: Plan, story: Story, item: Item) -> list[str]:
    action_id, sent = story.card.action_id, story.decided_at
    broken: list[str] = []
    if item.status not in TERMINAL:
        broken.append(f"still {item.status} after its deadline")
    if sum(item.audit.count(entry) for entry in TERMINAL_ENTRIES) != 1:
        broken.append(f"not exactly one end in its audit trail: {item.audit}")
    executed = item.status == "executed"
    if executed != (desk.shop.executions(action_id) == 1):
        broken.append(f"{item.status}, but the product says otherwise")
    keys = {r.idempotency_key for r in desk.shop.refunds.values()
            if r.answer["purchase_id"] == purchase_of(plan.customer)}  # fmt: skip
    if keys - {action_id}:
        broken.append(f"refunded under other keys: {keys}")
    in_time = sent is not None and sent < story.latest
    if executed and not (plan.decision in ("approve", "edit") and in_time):
        broken.append("executed without an approval before its deadline")
    if (sent is None or sent > story.latest) and item.status != "expired":
        broken.append(f"{item.status}, though nobody decided before the deadline")
    expected = {"approve": "executed", "edit": "executed", "reject": "rejected"}
    early = story.earliest - sent if sent is not None else 0.0
    if early > 0.5 and item.status != expected[plan.decision]:
        broken.append(f"{item.status}, though decided {early:.1f}s before the deadline")
    if executed and plan.decision == "edit":
        cents = desk.shop.refunds[action_id].amount_cents
        if cents != round(float(plan.amount) * 100):
            broken.append(f"refunded {cents} cents, not the edited {plan.amount}")
    shown = desk.slack.first_shown_at(story.card, "Expired")
    if item.status == "expired" and (shown is None or shown - story.latest > EXPIRED_WITHIN):
        broken.append("its card did not say it expired within a minute of the deadline")
    return broken
