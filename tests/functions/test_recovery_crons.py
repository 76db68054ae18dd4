"""The reconciler and the sweep as cron functions on the embedded engine: what each minute sends.

Only the two crons are served, on a real database and a real engine whose clock is moved by hand;
the events they send are read back from the engine, where no function takes them up.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.approvals import test_decide
from tests.approvals.test_decide import NOW, REFUND, Desk
from tests.engine.harness import Harness, free_port, make_client, running_harness
from workflows.engine import ManualClock, schema
from workflows.events import ACTION_DECIDED, APPROVAL_REQUESTED
from workflows.functions.recovery import create_resend_decisions_function, create_sweep_function

desk = test_decide.desk  # the actions on a real database
DECIDED = {"decided_by": "ann", "decided_at": NOW, "decision_reason": "fine"}


@dataclass
class Crons:
    desk: Desk
    harness: Harness
    ticks: int = 0

    async def next_minute(self) -> dict[str, Any]:
        """Move the clock a minute on and wait for both crons' runs; their outputs by function."""
        self.ticks += 1
        self.harness.clock.advance(60)
        return await self.harness.settle(self._outputs)

    async def _outputs(self) -> dict[str, Any] | None:
        query = select(schema.runs.c.function_id, schema.runs.c.status, schema.runs.c.output)
        async with self.harness.engine.store.engine.connect() as connection:
            runs = (await connection.execute(query.order_by(schema.runs.c.started_at))).all()
        finished = [run for run in runs if run.status == "Completed"]
        if len(finished) < 2 * self.ticks:
            return None
        return {run.function_id.removeprefix("t-"): run.output for run in finished}

    async def sent(self, name: str) -> list[tuple[str, dict[str, Any]]]:
        """The ids and data of the events of this name the engine received, in order."""
        query = select(schema.events.c.id, schema.events.c.payload)
        query = query.where(schema.events.c.name == name).order_by(schema.events.c.seq)
        async with self.harness.engine.store.engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [(row.id, row.payload["data"]) for row in rows]


@pytest.fixture
async def crons(desk: Desk, tmp_path: Path) -> AsyncIterator[Crons]:
    clock = ManualClock(NOW.timestamp())
    services = dataclasses.replace(
        desk.services, clock=lambda: datetime.fromtimestamp(clock.now(), UTC)
    )
    port = free_port()
    client = make_client(f"http://127.0.0.1:{port}")
    functions = [
        create_resend_decisions_function(client, services),
        create_sweep_function(client, services),
    ]
    engine_db = f"sqlite+aiosqlite:///{tmp_path / 'engine.db'}"
    async with running_harness(engine_db, functions, client, port, clock=clock) as harness:
        yield Crons(desk, harness)


def _minute(moment: datetime) -> int:
    """The minute counted from the epoch: re-sent events carry it, so a retry within the same
    minute repeats an id the engine drops, and the next minute's send is new."""
    return int(moment.timestamp()) // 60


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_a_decision_no_run_took_up_is_sent_again_every_minute_until_one_does(
    crons: Crons,
) -> None:
    await crons.desk.add("act_unheard", status="approved", updated_at=NOW, **DECIDED)
    await crons.desk.add("act_held", status="approved", updated_at=NOW, taken_up_by="run_x")

    first = await crons.next_minute()
    second = await crons.next_minute()

    event = {
        "action_id": "act_unheard",
        "decision": "approved",
        "decided_by": "ann",
        "reason": "fine",
        "params": REFUND,
    }
    assert await crons.sent(ACTION_DECIDED) == [
        (f"decided-act_unheard-{_minute(NOW) + 1}", event),
        (f"decided-act_unheard-{_minute(NOW) + 2}", event),
    ]
    assert first["resend-decisions"] == second["resend-decisions"] == {"resent": 1}
    # Decided two minutes ago: not yet given up on, so the sweep leaves it to its run.
    assert second["sweep-approvals"] == {"expired": 0, "taken_over": 0}
    assert await crons.sent(APPROVAL_REQUESTED) == []


async def test_a_minute_with_nothing_unheard_sends_nothing(crons: Crons) -> None:
    await crons.desk.add("act_recent", status="approved", updated_at=NOW + timedelta(seconds=31))

    outputs = await crons.next_minute()

    assert outputs == {
        "resend-decisions": {"resent": 0},
        "sweep-approvals": {"expired": 0, "taken_over": 0},
    }
    assert await crons.sent(ACTION_DECIDED) == []


async def test_the_sweep_expires_what_is_overdue_and_starts_a_run_for_what_no_run_took_up(
    crons: Crons,
) -> None:
    due = NOW + timedelta(seconds=30)
    await crons.desk.add("act_due", expires_at=due)
    await crons.desk.add("act_later", expires_at=NOW + timedelta(hours=1))
    long_ago = NOW - timedelta(minutes=3)
    await crons.desk.add("act_forgotten", status="rejected", updated_at=long_ago, expires_at=None)

    outputs = await crons.next_minute()

    assert (await crons.desk.action("act_due")).status == "expired"
    assert (await crons.desk.action("act_later")).status == "pending"
    assert outputs["sweep-approvals"] == {"expired": 1, "taken_over": 2}
    minute = _minute(NOW) + 1
    sent = dict(await crons.sent(APPROVAL_REQUESTED))
    assert list(sent) == [f"takeover-act_forgotten-{minute}", f"takeover-act_due-{minute}"]
    request = sent[f"takeover-act_due-{minute}"]
    assert _moment(request.pop("expires_at")) == due
    assert request == {
        "action_id": "act_due",
        "app_id": "demo",
        "conversation_id": "cnv_decide",
        "tool": "refund_purchase",
        "params": REFUND,
    }
    # An action without a deadline is due at once: its new run does not wait for a decision.
    forgotten = sent[f"takeover-act_forgotten-{minute}"]
    assert _moment(forgotten["expires_at"]) == NOW + timedelta(minutes=1)
