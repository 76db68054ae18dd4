"""The reconciler's and the sweep's steps on a real database: which actions each one finds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.approvals import test_decide
from tests.approvals.test_decide import NOW, REFUND, Desk
from workflows.steps import recovery
from workflows.steps.recovery import (
    Closure,
    Unheard,
    close_after_failure,
    expire_overdue,
    stranded_actions,
    unheard_decisions,
)
from workflows.store.crud import list_audit_entries

desk = test_decide.desk  # the same actions on a real database, and a stand-in engine
DECIDED = {"decided_by": "ann", "decided_at": NOW, "decision_reason": "fine"}


async def _audit(desk: Desk, action_id: str) -> list[str]:
    async with desk.sessions() as session:
        return [e.action for e in await list_audit_entries(session=session, subject=action_id)]


async def test_decisions_unheard_for_thirty_seconds_are_found_with_what_their_event_carries(
    desk: Desk,
) -> None:
    at = NOW - timedelta(seconds=30)
    await desk.add("act_approved", status="approved", updated_at=at, **DECIDED)
    await desk.add("act_rejected", status="rejected", updated_at=at - timedelta(seconds=1))
    await desk.add("act_refused", status="failed", updated_at=at - timedelta(seconds=2), **DECIDED)
    await desk.add("act_recent", status="approved", updated_at=at + timedelta(seconds=1))
    await desk.add("act_taken", status="approved", updated_at=at, taken_up_by="run_x")
    await desk.add("act_auto_failed", status="failed", updated_at=at)
    await desk.add("act_pending", updated_at=at)

    unheard = await unheard_decisions(desk.services, now=NOW)

    assert unheard == [
        Unheard(
            action_id="act_refused",
            decision="approved",
            decided_by="ann",
            reason="fine",
            params=REFUND,
        ),
        Unheard(
            action_id="act_rejected", decision="rejected", decided_by="", reason="", params=REFUND
        ),
        Unheard(
            action_id="act_approved",
            decision="approved",
            decided_by="ann",
            reason="fine",
            params=REFUND,
        ),
    ]


async def test_only_pending_actions_past_their_deadline_are_expired(desk: Desk) -> None:
    await desk.add("act_due", expires_at=NOW)
    await desk.add("act_later", expires_at=NOW + timedelta(seconds=1))
    await desk.add("act_decided", status="approved", expires_at=NOW - timedelta(hours=1))

    assert await expire_overdue(desk.services, now=NOW) == ["act_due"]

    assert (await desk.action("act_due")).status == "expired"
    assert (await desk.action("act_later")).status == "pending"
    assert (await desk.action("act_decided")).status == "approved"
    assert "action.expired" in await _audit(desk, "act_due")


async def test_stranded_actions_are_the_expired_and_the_long_decided_no_run_took_up(
    desk: Desk,
) -> None:
    long_ago = NOW - timedelta(minutes=3)
    await desk.add("act_expired", status="expired", updated_at=NOW)
    await desk.add("act_just_expired", updated_at=NOW - timedelta(minutes=10))
    await desk.add("act_old_decision", status="rejected", updated_at=long_ago)
    await desk.add(
        "act_new_decision", status="approved", updated_at=long_ago + timedelta(seconds=1)
    )
    await desk.add("act_held", status="expired", updated_at=NOW, taken_up_by="run_x")
    await desk.add("act_pending", updated_at=long_ago)

    stranded = await stranded_actions(desk.services, now=NOW, expired_now=["act_just_expired"])

    assert [a.id for a in stranded] == ["act_just_expired", "act_old_decision", "act_expired"]


async def test_a_failed_run_fails_its_pending_action_and_takes_it_up(desk: Desk) -> None:
    await desk.add("act_1", updated_at=NOW - timedelta(hours=1))
    await desk.add("act_other")

    closure = await close_after_failure(desk.services, "act_1", run_id="run_1", error="boom")

    assert closure == Closure(status="failed")
    action = await desk.action("act_1")
    assert (action.status, action.error, action.taken_up_by, action.updated_at) == (
        "failed",
        "the approval workflow failed: boom",
        "run_1",
        NOW,
    )
    async with desk.sessions() as session:
        [entry] = await list_audit_entries(session=session, subject="act_1")
    assert (entry.actor, entry.action, entry.detail) == (
        "system",
        "action.failed",
        {"error": "the approval workflow failed: boom"},
    )
    assert (await desk.action("act_other")).status == "pending"


@pytest.mark.parametrize("find", ["unheard", "overdue", "stranded"])
async def test_each_pass_handles_at_most_a_batch(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, find: str
) -> None:
    monkeypatch.setattr(recovery, "BATCH", 2)
    long_ago = NOW - timedelta(hours=1)
    for index in range(3):
        status = "pending" if find == "overdue" else "approved"
        await desk.add(f"act_{index}", status=status, updated_at=long_ago, expires_at=long_ago)

    if find == "unheard":
        found = len(await unheard_decisions(desk.services, now=NOW))
    elif find == "overdue":
        found = len(await expire_overdue(desk.services, now=NOW))
    else:
        found = len(await stranded_actions(desk.services, now=NOW, expired_now=[]))
    assert found == 2


async def test_a_failed_run_expires_an_undecided_action_past_its_deadline(desk: Desk) -> None:
    await desk.add("act_1", expires_at=NOW)

    closure = await close_after_failure(desk.services, "act_1", run_id="run_1", error="boom")

    assert closure == Closure(status="expired")
    assert "action.failed" not in await _audit(desk, "act_1")


async def test_a_failed_run_leaves_a_rejected_action_rejected(desk: Desk) -> None:
    await desk.add("act_1", status="rejected")

    closure = await close_after_failure(desk.services, "act_1", run_id="run_1", error="boom")

    assert closure == Closure(status="rejected")
    assert (await desk.action("act_1")).error is None


async def test_a_failed_run_leaves_an_action_another_run_holds(desk: Desk) -> None:
    await desk.add("act_1", status="approved", taken_up_by="run_2")

    closure = await close_after_failure(desk.services, "act_1", run_id="run_1", error="boom")

    assert closure == Closure(status=None)
    assert (await desk.action("act_1")).status == "approved"
    assert await _audit(desk, "act_1") == []


async def test_a_failed_run_that_already_holds_its_action_closes_it(desk: Desk) -> None:
    await desk.add("act_1", status="approved", taken_up_by="run_1")

    closure = await close_after_failure(desk.services, "act_1", run_id="run_1", error="boom")

    assert closure == Closure(status="failed")


async def test_a_missing_action_closes_nothing(desk: Desk) -> None:
    assert await close_after_failure(
        desk.services, "act_none", run_id="run_1", error="boom"
    ) == Closure(status=None)
