"""The engine's timeline endpoint, and the item page's reading of it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from console.web.timeline import entries_of, load_timelines
from tests.flow.approvals import pending_refund, waiting
from tests.flow.stack import Stack, running_stack, stack_settings


@pytest.fixture
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(stack_settings(database_url, tmp_path)) as running:
        yield running


async def test_the_engine_reports_steps_and_the_wait_of_each_run(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    inbound, approval = await load_timelines(
        stack.settings, run_id=pending.run_id, action_id=pending.id
    )

    assert (inbound.status, inbound.unavailable) == ("Completed", None)
    labels = [entry.label for entry in inbound.entries]
    assert labels[0] == "run started"
    assert labels[-1] == "run completed"
    for step in ("gather-context", "route-actions", f"request-approval-{pending.id}"):
        assert step in labels
    assert approval.status == "Running"
    [wait] = [entry for entry in approval.entries if entry.kind == "wait"]
    assert wait.label == "waiting for a decision"
    assert wait.at is None
    assert wait.detail.startswith("until ")


async def test_an_unknown_run_or_engine_down_leaves_a_reason_not_an_error(stack: Stack) -> None:
    [timeline] = await load_timelines(stack.settings, run_id="nope", action_id="act_nope")
    assert timeline.unavailable is not None
    assert "HTTPStatusError" in timeline.unavailable

    down = stack.settings.model_copy(update={"engine_port": 9})
    [timeline] = await load_timelines(down, run_id="nope", action_id="act_nope")
    assert timeline.unavailable is not None
    assert "ConnectError" in timeline.unavailable


def test_failed_steps_retries_and_waits_read_as_waits_not_errors() -> None:
    data = {
        "run": {"status": "Running", "run_started_at": 100.0, "ended_at": None},
        "steps": [
            {"id": "a", "name": "execute-act_1", "op": "StepFailed", "at": 101.0,
             "error": {"name": "IntegrationError", "message": "HTTP 500"}},
            {"id": "b", "name": None, "op": "WaitForEvent", "at": 102.0, "event": None},
            {"id": "c", "name": None, "op": "WaitForEvent", "at": 103.0, "event": "action/decided"},
            {"id": "d", "name": "wait-for-decision", "op": "WaitForEvent", "at": 104.0,
             "event": "action/decided"},
        ],
        "waits": [],
        "scheduled": [{"kind": "call", "target": "step", "attempt": 2, "at": 160.0}],
    }  # fmt: skip

    entries = entries_of(data)

    assert [(e.kind, e.label, e.detail) for e in entries[1:]] == [
        ("failed", "execute-act_1 failed", "IntegrationError: HTTP 500"),
        ("wait", "wait over", "nothing arrived yet: the run looks again and waits on"),
        ("wait", "received a decision", ""),
        ("wait", "received a decision", "wait-for-decision"),
        ("retry", "retry 2 scheduled", "at 1970-01-01 00:02:40 UTC"),
    ]


def test_a_failed_run_says_why() -> None:
    error = {"name": "IntegrationError", "message": "the app answered HTTP 500"}
    data = {
        "run": {"status": "Failed", "run_started_at": 100.0, "ended_at": 130.0, "output": error},
        "steps": [],
        "waits": [],
        "scheduled": [],
    }

    last = entries_of(data)[-1]

    assert (last.kind, last.label, last.detail) == (
        "failed",
        "run failed",
        "IntegrationError: the app answered HTTP 500",
    )
