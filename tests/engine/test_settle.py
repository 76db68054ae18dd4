"""Waiting for the engine: a wait that can no longer succeed fails at once, not at the limit."""

from __future__ import annotations

import asyncio

import pytest

from tests.engine.functions import Observed
from tests.engine.harness import EngineIdle, Harness

Suite = tuple[Harness, Observed]


async def _never() -> None:
    return None


async def test_a_wait_on_an_idle_engine_fails_at_once(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    h, _ = suite
    await h.finished_run(await h.send("t/steps"))
    monkeypatch.setenv("TEST_SETTLE_LIMIT", "60")
    started = asyncio.get_running_loop().time()
    with pytest.raises(EngineIdle):
        await h.settle(_never)
    assert asyncio.get_running_loop().time() - started < 30


async def test_a_running_job_is_waited_for_to_the_limit(
    suite: Suite, monkeypatch: pytest.MonkeyPatch
) -> None:
    h, seen = suite
    await h.send("t/limited", {"key": "a"})
    await h.settle(lambda: _active(seen))
    monkeypatch.setenv("TEST_SETTLE_LIMIT", "1.5")
    with pytest.raises(TimeoutError):
        await h.settle(_never)
    seen.gate("hold").set()


async def _active(seen: Observed) -> bool | None:
    return True if seen.active["a"] else None
