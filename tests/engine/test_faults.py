"""A database that refuses writes: the engine backs off quietly and recovers without a restart."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from tests.read_only import read_only
from workflows.engine import Engine, ManualClock
from workflows.engine.scheduler import HOLD_FIRST_SECONDS
from workflows.engine.store import Store, connect


async def test_a_job_that_cannot_be_postponed_backs_off_logging_once_and_recovers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "engine.db"
    url = f"sqlite+aiosqlite:///{path}"
    clock = ManualClock()
    store = Store(connect(url))
    await store.create_tables()
    # Queued before the disk went bad; with no function registered, the engine must hold it,
    # which is a write.
    await store.accept_event({"id": "before", "name": "t/steps", "data": {}}, clock.now())
    await store.close()
    caplog.set_level(logging.WARNING, logger="workflows.engine")

    engine = Engine(database_url=url, clock=clock)
    with read_only(path):
        await engine.start()
        try:
            # Real time passes, engine time does not: a spinning job would log in a loop.
            await asyncio.sleep(1.0)
            failures = [r for r in caplog.records if r.name == "workflows.engine.scheduler"]
            clock.advance(HOLD_FIRST_SECONDS * 60)  # many backoffs later, still read-only
            await asyncio.sleep(0.5)
            later = [r for r in caplog.records if r.name == "workflows.engine.scheduler"]
        except BaseException:
            await engine.stop()
            raise
    try:
        accepted = await engine.accept_events([{"name": "t/after", "data": {}}])
    finally:
        await engine.stop()

    assert len(failures) == 1
    assert "readonly database" in failures[0].getMessage()
    assert "trying again in 1s" in failures[0].getMessage()
    assert len(later) <= 3  # one line per backoff, not one per try
    assert len(accepted) == 1  # writable again: the same engine writes, without a restart
