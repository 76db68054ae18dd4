"""What any Inngest-compatible server must do with our SDK, as a black box over HTTP.

Runs against the embedded engine always, and against a real Inngest dev server when
INNGEST_CONFORMANCE_URL names one (e.g. http://127.0.0.1:8288); skipped without one."""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator
from typing import Any, Protocol

import fastapi
import httpx
import inngest
import inngest.fast_api
import pytest

from tests.engine.functions import Observed, build_suite
from tests.engine.harness import (
    EVENT_KEY,
    WallClock,
    free_port,
    make_client,
    running_harness,
    serve,
)
from tests.engine.stand_in_model import ANSWER, KEY, Provider, anthropic_adapter, asker
from workflows.engine.protocol import hash_step_id

EXTERNAL_URL = os.environ.get("INNGEST_CONFORMANCE_URL")
GATE_LIMIT = 10.0  # seconds for a function to reach a point the test waits for
TARGETS = [
    "embedded",
    pytest.param(
        "external",
        marks=pytest.mark.skipif(not EXTERNAL_URL, reason="INNGEST_CONFORMANCE_URL is not set"),
    ),
]


class Target(Protocol):
    async def send(self, name: str, data: dict[str, Any] | None = None) -> str: ...
    async def send_events(self, events: list[dict[str, Any]]) -> list[str]: ...
    async def finished_run(self, event_id: str) -> dict[str, Any]: ...
    async def runs(self, event_id: str) -> list[dict[str, Any]]: ...
    async def api(self, path: str) -> Any: ...


class ExternalServer:
    """A real Inngest server reached only through its public HTTP API."""

    def __init__(self, url: str, http: httpx.AsyncClient) -> None:
        self.url = url
        self.http = http

    async def send(self, name: str, data: dict[str, Any] | None = None) -> str:
        response = await self.http.post(
            f"{self.url}/e/{EVENT_KEY}", json={"name": name, "data": data or {}}
        )
        return str(response.json()["ids"][0])

    async def send_events(self, events: list[dict[str, Any]]) -> list[str]:
        response = await self.http.post(f"{self.url}/e/{EVENT_KEY}", json=events)
        response.raise_for_status()
        return [str(event_id) for event_id in response.json()["ids"]]

    async def runs(self, event_id: str) -> list[dict[str, Any]]:
        return list((await self.api(f"/v1/events/{event_id}/runs")).get("data") or [])

    async def api(self, path: str) -> Any:
        response = await self.http.get(f"{self.url}{path}")
        response.raise_for_status()
        return response.json()

    async def finished_run(self, event_id: str) -> dict[str, Any]:
        async with asyncio.timeout(30):
            while True:  # a remote server offers nothing to wait on but its API
                ended = [r for r in await self.runs(event_id) if r["status"] != "Running"]
                if ended:
                    return dict(ended[0])
                await asyncio.sleep(0.1)


@pytest.fixture
def seen() -> Observed:
    """What the target's functions did, seen from the app's side."""
    return Observed()


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    """A model provider served on a local port, for `step.ai.infer`."""
    played = Provider()
    port = free_port()
    played.origin = f"http://127.0.0.1:{port}"
    async with serve(played.app(), port):
        yield played


def _functions(client: inngest.Inngest, seen: Observed, provider: Provider) -> list[Any]:
    return [*build_suite(client, seen), asker(client, anthropic_adapter(provider.origin))]


@pytest.fixture(params=TARGETS)
async def target(
    request: pytest.FixtureRequest,
    tmp_path: object,
    engine_port: int,
    seen: Observed,
    provider: Provider,
) -> AsyncIterator[Target]:
    if request.param == "embedded":
        client = make_client(f"http://127.0.0.1:{engine_port}")
        database = f"sqlite+aiosqlite:///{tmp_path}/engine.db"
        functions = _functions(client, seen, provider)
        # The wall clock, as a remote server has: these tests wait for real seconds.
        async with running_harness(
            database, functions, client, engine_port, clock=WallClock()
        ) as h:
            # These tests send events while they wait for a run, as they would to a remote
            # server: an engine idle between two of them is not a broken one.
            h.fail_when_idle = False
            yield h
        return
    assert EXTERNAL_URL is not None
    async with _external(EXTERNAL_URL, seen, provider) as server:
        yield server


@contextlib.asynccontextmanager
async def _external(url: str, seen: Observed, provider: Provider) -> AsyncIterator[ExternalServer]:
    client = inngest.Inngest(
        app_id="t", api_base_url=url, event_api_base_url=url, is_production=False
    )
    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, _functions(client, seen, provider))
    port = free_port()
    async with serve(app, port), httpx.AsyncClient() as http:
        (await http.put(f"http://127.0.0.1:{port}/api/inngest")).raise_for_status()
        yield ExternalServer(url, http)


async def test_steps_run_in_order_and_the_output_is_reported(target: Target) -> None:
    run = await target.finished_run(await target.send("t/steps"))
    assert (run["status"], run["output"]) == ("Completed", {"total": 6})


async def test_a_wait_resumes_on_the_matching_event(target: Target) -> None:
    event_id = await target.send("t/wait", {"id": "c1"})
    waiting = target.finished_run(event_id)
    task = asyncio.create_task(waiting)
    # the wait may register after this send; then the run resumes on the second one
    await target.send("t/decided", {"id": "c1", "n": 1})
    while not task.done():
        await target.send("t/decided", {"id": "c1", "n": 2})
        await asyncio.wait({task}, timeout=0.5)
    run = task.result()
    assert run["status"] == "Completed"
    assert run["output"]["decision"]["id"] == "c1"


async def test_parallel_steps_all_run(target: Target) -> None:
    run = await target.finished_run(await target.send("t/parallel"))
    assert run["output"] == {"branches": [1, 2, 3], "after": 11}


async def test_a_non_retriable_error_fails_the_run(target: Target) -> None:
    run = await target.finished_run(await target.send("t/no-retry"))
    assert run["status"] == "Failed"


async def test_singleton_cancel_replaces_the_running_run(target: Target) -> None:
    first = await target.send("t/singleton-cancel", {"key": "c", "n": 1})
    latest = await target.send("t/singleton-cancel", {"key": "c", "n": 2})
    assert (await target.finished_run(first))["status"] == "Cancelled"
    task = asyncio.create_task(target.finished_run(latest))
    while not task.done():  # the release may come before the latest run waits for it
        await target.send("t/release", {"key": "c"})
        await asyncio.wait({task}, timeout=0.5)
    assert task.result()["output"] == 2


async def test_a_batch_of_eight_one_mib_events_goes_in_one_request_and_one_run(
    target: Target,
) -> None:
    blob = "x" * (1024 * 1024)
    ids = await target.send_events([{"name": "t/big-batch", "data": {"blob": blob}}] * 8)
    assert len(ids) == 8
    run = await target.finished_run(ids[0])
    assert run["output"] == {"events": 8, "bytes": 8 * len(blob)}


async def test_a_wait_in_a_parallel_group_catches_an_event_sent_while_a_planned_step_runs(
    target: Target, seen: Observed
) -> None:
    event_id = await target.send("t/mixed", {"id": "m1"})
    async with asyncio.timeout(GATE_LIMIT):
        await seen.gate("work-started").wait()
    await target.send("t/go", {"id": "m1"})
    seen.gate("work-release").set()
    run = await target.finished_run(event_id)
    assert (run["status"], run["output"]) == ("Completed", ["work", {"id": "m1"}, {"doubled": 4}])


async def test_race_mode_runs_a_branchs_next_step_as_soon_as_its_last_one_ends(
    target: Target, seen: Observed
) -> None:
    event_id = await target.send("t/race")
    try:
        async with asyncio.timeout(GATE_LIMIT):
            await seen.gate("b.1-started").wait()
            await seen.gate("a.2-done").wait()  # while b.1 still runs
    finally:
        seen.gate("b.1-release").set()
    run = await target.finished_run(event_id)
    assert (run["status"], run["output"]) == ("Completed", "raced")
    assert seen.order == ["a.1", "a.2", "b.1", "b.2"]
    # the first call, four steps, and a call to discover what follows each of them
    assert seen.calls["race-requests"] == 9


async def test_a_cancelled_run_is_announced_to_functions_triggered_by_it(
    target: Target, seen: Observed
) -> None:
    event_id = await target.send("t/cancellable", {"id": "k"})
    task = asyncio.create_task(target.finished_run(event_id))
    while not task.done():  # a cancel event only reaches runs already started
        await target.send("t/cancel", {"id": "k"})
        await asyncio.wait({task}, timeout=0.5)
    run = task.result()
    assert run["status"] == "Cancelled"
    async with asyncio.timeout(GATE_LIMIT):
        await seen.gate("cancel-announced").wait()
    announced = seen.cancellations[0]
    assert (announced["run_id"], announced["event"]["data"]) == (run["run_id"], {"id": "k"})
    assert announced["error"]["message"] == "function cancelled"


async def test_a_failed_run_is_announced_with_inngests_error_shape(
    target: Target, seen: Observed
) -> None:
    run = await target.finished_run(await target.send("t/doomed"))  # one retry, a second on
    assert run["status"] == "Failed"
    async with asyncio.timeout(GATE_LIMIT):
        await seen.gate("failure-announced").wait()
    announced = seen.failures[0]
    assert announced["run_id"] == run["run_id"]
    assert set(announced["error"]) >= {"error", "name", "message", "stack"}
    assert announced["error"]["message"] == "broken for good"


async def test_a_non_retriable_error_in_a_step_is_not_retried(
    target: Target, seen: Observed
) -> None:
    run = await target.finished_run(await target.send("t/step-no-retry"))
    assert run["status"] == "Failed"
    assert seen.calls["step-no-retry"] == 1  # retries=4, yet one attempt


async def test_an_invoke_that_outlasts_its_timeout_raises_inngests_timeout_error(
    target: Target,
) -> None:
    run = await target.finished_run(await target.send("t/hasty-parent"))
    assert run["output"] == {
        "name": "InngestInvokeTimeoutError",
        "message": "Timed out waiting for invoked function to complete",
    }


async def test_a_run_past_its_finish_timeout_is_cancelled(target: Target) -> None:
    run = await target.finished_run(await target.send("t/short-lived"))
    assert run["status"] == "Cancelled"


async def test_a_run_not_started_within_its_start_timeout_is_cancelled(
    target: Target, seen: Observed
) -> None:
    try:
        holder = await target.send("t/quick-start", {"name": "holder"})
        async with asyncio.timeout(GATE_LIMIT):
            await seen.gate("holder-in-line").wait()
        queued = await target.send("t/quick-start", {"name": "queued"})  # behind the limit of 1
        assert (await target.finished_run(queued))["status"] == "Cancelled"
    finally:
        seen.gate("line").set()
    assert (await target.finished_run(holder))["status"] == "Completed"
    assert seen.order == ["holder"]


async def test_debounce_starts_one_run_with_the_last_event(target: Target, seen: Observed) -> None:
    ids = await target.send_events([{"name": "t/quick-debounce", "data": {"n": n}} for n in (1, 2)])
    run = await target.finished_run(ids[-1])
    assert run["output"] == [2]
    assert seen.calls["quick-debounce"] == 1


async def test_an_event_over_the_rate_limit_starts_nothing(target: Target, seen: Observed) -> None:
    first, over = await target.send_events(
        [{"name": "t/rate-limited", "data": {"key": "k", "n": n}} for n in (1, 2)]
    )
    assert (await target.finished_run(first))["output"] == [1]
    await asyncio.sleep(1.0)  # time for a second run, if there were one
    assert await target.runs(over) == []
    assert seen.calls["rate-limited"] == 1


async def test_throttle_starts_limit_plus_burst_at_once_then_one_a_period(
    target: Target, seen: Observed
) -> None:
    ids = await target.send_events([{"name": "t/quick-throttle", "data": {}}] * 3)
    for event_id in ids:
        assert (await target.finished_run(event_id))["status"] == "Completed"
    first, second, third = sorted(seen.started)
    assert second - first < 1.5  # limit 1 with a burst of 1: two at once
    assert third - first >= 1.5  # the third a period (2 s) after


async def test_priority_decides_which_queued_run_starts_first(
    target: Target, seen: Observed
) -> None:
    try:
        first = await target.send("t/prioritized", {"name": "first", "priority": 0})
        async with asyncio.timeout(GATE_LIMIT):
            await seen.gate("first-in-line").wait()
        routine = await target.send("t/prioritized", {"name": "routine", "priority": 0})
        urgent = await target.send("t/prioritized", {"name": "urgent", "priority": 120})
        await asyncio.sleep(1.0)  # both queued behind the concurrency limit of 1
    finally:
        seen.gate("line").set()
    for event_id in (first, routine, urgent):
        assert (await target.finished_run(event_id))["status"] == "Completed"
    assert seen.order == ["first", "urgent", "routine"]


async def test_the_server_makes_a_model_call_once_and_its_answer_is_the_steps_output(
    target: Target, provider: Provider
) -> None:
    run = await target.finished_run(await target.send("t/ask"))
    assert (run["status"], run["output"]) == ("Completed", {"answer": ANSWER, "after": "after"})
    [request] = provider.requests  # the call after the next step did not ask again
    assert (request["path"], request["headers"]["x-api-key"]) == ("/v1/messages", KEY)
    assert request["body"]["model"] == "claude-test"


async def test_the_api_gives_a_running_runs_event_and_step_outputs(target: Target) -> None:
    # What the SDK reads when a call says `use_api`, and what tooling reads of an event.
    event_id = await target.send("t/wait", {"id": "api"})
    run_id = await _waiting_after_a_step(target, event_id)
    before = {hash_step_id("before"): {"data": 101}}
    assert await target.api(f"/v0/runs/{run_id}/actions") == before
    [event] = await target.api(f"/v0/runs/{run_id}/batch")
    assert (event["name"], event["data"]) == ("t/wait", {"id": "api"})
    sent = (await target.api(f"/v1/events/{event_id}"))["data"]
    assert (sent["name"], sent["data"]) == ("t/wait", {"id": "api"})
    task = asyncio.create_task(target.finished_run(event_id))
    while not task.done():
        await target.send("t/decided", {"id": "api"})
        await asyncio.wait({task}, timeout=0.5)
    assert task.result()["status"] == "Completed"


async def _waiting_after_a_step(target: Target, event_id: str) -> str:
    """The event's run, once it has a step's output (a server drops a run's state when it ends)."""
    async with asyncio.timeout(GATE_LIMIT):
        while True:
            runs = await target.runs(event_id)
            if runs and await target.api(f"/v0/runs/{runs[0]['run_id']}/actions"):
                return str(runs[0]["run_id"])
            await asyncio.sleep(0.1)
