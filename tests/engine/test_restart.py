"""Durability: the engine runs as its own process and is killed with SIGKILL mid-run; a new
engine on the same database finishes every run, and no step that completed runs again."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fastapi
import httpx
import inngest
import inngest.fast_api
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine

from tests.engine.engine_process import POLL_INTERVAL, EngineProcess, engine_process
from tests.engine.harness import EVENT_KEY, SETTLE_LIMIT, free_port, make_client, serve
from workflows.engine import schema

BURST = 20


@dataclass
class Probe:
    """What the functions did, seen from the app's side, and gates the test opens."""

    calls: Counter[str] = field(default_factory=Counter)
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)

    def count(self, name: str) -> None:
        self.calls[name] += 1
        self.changed.set()

    def gate(self, name: str) -> asyncio.Event:
        return self.gates.setdefault(name, asyncio.Event())

    async def until(self, done: Callable[[], bool]) -> None:
        async with asyncio.timeout(SETTLE_LIMIT):
            while not done():
                self.changed.clear()
                await self.changed.wait()


def build_functions(client: inngest.Inngest, probe: Probe) -> list[inngest.Function[Any]]:
    async def record(name: str) -> str:
        probe.count(name)
        return name

    async def blocked(name: str) -> str:
        probe.count(name)
        await probe.gate(name).wait()
        return name

    @client.create_function(fn_id="abc", trigger=inngest.TriggerEvent(event="t/abc"))
    async def abc(ctx: inngest.Context) -> Any:
        a = await ctx.step.run("A", record, "A")
        b = await ctx.step.run("B", blocked, "B")
        c = await ctx.step.run("C", record, "C")
        return {"steps": [a, b, c]}

    @client.create_function(fn_id="waits", trigger=inngest.TriggerEvent(event="t/wait"))
    async def waits(ctx: inngest.Context) -> Any:
        await ctx.step.run("before-wait", record, "before-wait")
        got = await ctx.step.wait_for_event(
            "go",
            event="t/go",
            if_exp="async.data.id == event.data.id",
            timeout=datetime.timedelta(days=1),
        )
        return {"got": None if got is None else got.data}

    @client.create_function(fn_id="item", trigger=inngest.TriggerEvent(event="t/item"))
    async def item(ctx: inngest.Context) -> Any:
        await ctx.step.run("work", blocked, "work")
        return ctx.event.data

    return [abc, waits, item]


@dataclass
class Rig:
    engine: EngineProcess
    probe: Probe
    http: httpx.AsyncClient

    async def send(self, name: str, data: dict[str, Any] | None = None) -> str:
        response = await self.http.post(
            f"{self.engine.url}/e/{EVENT_KEY}", json={"name": name, "data": data or {}}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["ids"][0])

    async def runs(self, event_id: str) -> list[dict[str, Any]]:
        response = await self.http.get(f"{self.engine.url}/v1/events/{event_id}/runs")
        response.raise_for_status()
        return list(response.json()["data"])

    async def ended_runs(self, event_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """Each event's runs, once every event has a run and none is still running."""
        async with asyncio.timeout(SETTLE_LIMIT):
            while True:
                found = {event_id: await self.runs(event_id) for event_id in event_ids}
                if all(r and all(run["status"] != "Running" for run in r) for r in found.values()):
                    return found
                await asyncio.sleep(POLL_INTERVAL)

    async def ended_run(self, event_id: str) -> dict[str, Any]:
        runs = (await self.ended_runs([event_id]))[event_id]
        assert len(runs) == 1, runs
        return runs[0]

    async def until_paused(self) -> None:
        """Until the engine has committed a wait (a row in its pauses table)."""
        db = create_async_engine(self.engine.database_url)
        try:
            async with asyncio.timeout(SETTLE_LIMIT):
                while True:
                    async with db.connect() as conn:
                        query = select(func.count()).select_from(schema.pauses)
                        if (await conn.execute(query)).scalar():
                            return
                    await asyncio.sleep(POLL_INTERVAL)
        finally:
            await db.dispose()


@contextlib.asynccontextmanager
async def restartable_engine(database_url: str, port: int, log_dir: Path) -> AsyncIterator[Rig]:
    """The functions served in-process and an engine subprocess that calls them."""
    probe = Probe()
    client = make_client(f"http://127.0.0.1:{port}")
    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, build_functions(client, probe))
    app_port = free_port()
    async with serve(app, app_port), httpx.AsyncClient() as http:
        try:
            async with engine_process(
                database_url=database_url,
                app_url=f"http://127.0.0.1:{app_port}/api/inngest",
                port=port,
                log_path=log_dir / "engine.log",
                http=http,
            ) as engine:
                yield Rig(engine=engine, probe=probe, http=http)
        finally:
            for gate in probe.gates.values():  # a blocked step would hold the server open
                gate.set()


async def test_run_killed_inside_a_step_finishes_after_restart(
    engine_db: str, engine_port: int, tmp_path: Path
) -> None:
    async with restartable_engine(engine_db, engine_port, tmp_path) as rig:
        event_id = await rig.send("t/abc")
        await rig.probe.until(lambda: rig.probe.calls["B"] == 1)
        await rig.engine.restart(rig.http)
        rig.probe.gate("B").set()
        run = await rig.ended_run(event_id)
    assert run["status"] == "Completed", run
    assert run["output"] == {"steps": ["A", "B", "C"]}
    assert rig.probe.calls["A"] == 1
    assert rig.probe.calls["C"] == 1
    # the first B's result died with the engine, so B ran once more, and only once
    assert rig.probe.calls["B"] == 2


async def test_run_killed_while_waiting_resumes_on_the_event_after_restart(
    engine_db: str, engine_port: int, tmp_path: Path
) -> None:
    async with restartable_engine(engine_db, engine_port, tmp_path) as rig:
        event_id = await rig.send("t/wait", {"id": "order-7"})
        await rig.probe.until(lambda: rig.probe.calls["before-wait"] == 1)
        await rig.until_paused()
        await rig.engine.restart(rig.http)
        assert [r["status"] for r in await rig.runs(event_id)] == ["Running"]
        await rig.send("t/go", {"id": "order-7", "note": "arrived after the restart"})
        run = await rig.ended_run(event_id)
    assert run["status"] == "Completed", run
    assert run["output"] == {"got": {"id": "order-7", "note": "arrived after the restart"}}
    assert rig.probe.calls["before-wait"] == 1


async def test_every_accepted_event_gets_exactly_one_run_across_a_kill(
    engine_db: str, engine_port: int, tmp_path: Path
) -> None:
    async with restartable_engine(engine_db, engine_port, tmp_path) as rig:
        event_ids = await asyncio.gather(*(rig.send("t/item", {"n": n}) for n in range(BURST)))
        rig.engine.kill()  # no run can have ended: each waits on the closed "work" gate
        await rig.engine.start(rig.http)
        rig.probe.gate("work").set()
        runs = await rig.ended_runs(event_ids)
    assert len(set(event_ids)) == BURST
    for n, event_id in enumerate(event_ids):
        assert [(r["status"], r["output"]) for r in runs[event_id]] == [("Completed", {"n": n})]
