"""How much a step costs on the embedded engine, against the SDK's own in-process runner.

    python bench/engine.py --runs 200 [--postgres postgresql+asyncpg://...]

A 10-step no-op function runs N times: through `inngest.experimental.mocked` (no engine, no
HTTP, no database: the SDK's own cost) and through the engine with its serve endpoint on
uvicorn, on a temporary SQLite file and, when a URL is given, on PostgreSQL. A run's time is
from the POST of its event to the engine committing it as Completed.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import fastapi
import httpx
import inngest
import inngest.fast_api
import uvloop
from inngest.experimental import mocked

from bench.completions import Completions
from tests.engine.databases import scratch_database
from tests.engine.harness import free_port, serve
from workflows.engine import Engine, SystemClock

STEPS = 10
EVENT = "bench/run"
EVENT_KEY = "bench"
WARMUP_RUNS = 10
GOAL_NET_STEP_MS = {"SQLite": 2.0, "PostgreSQL": 3.0}
GOAL_RUNS_PER_SECOND = 30.0  # SQLite, `--concurrency` runs in flight


def build_function(client: inngest.Inngest) -> inngest.Function[Any]:
    async def noop(index: int) -> int:
        return index

    @client.create_function(fn_id="ten-steps", trigger=inngest.TriggerEvent(event=EVENT))
    async def ten_steps(ctx: inngest.Context) -> Any:
        total = 0
        for index in range(STEPS):
            total += await ctx.step.run(f"step-{index}", noop, index)
        return {"total": total}

    return ten_steps


def quiet_logger() -> logging.Logger:
    logger = logging.getLogger("bench.inngest")
    logger.setLevel(logging.ERROR)
    return logger


@dataclass
class Figures:
    label: str
    run_ms: list[float]  # per run, one at a time
    throughput: float | None = None  # runs/s at the given concurrency
    cpu_step_ms: float | None = None  # process CPU per step, one run at a time

    @property
    def median_run_ms(self) -> float:
        return statistics.median(self.run_ms)

    @property
    def step_ms(self) -> float:
        return self.median_run_ms / STEPS


def bench_mocked(runs: int) -> Figures:
    """The same function through the SDK's in-process runner, which drives its own loop."""
    client = mocked.Inngest(app_id="bench", is_production=False, logger=quiet_logger())
    fn = build_function(client)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        times = []
        cpu = 0.0
        for index in range(WARMUP_RUNS + runs):
            cpu_started = time.process_time()
            started = time.perf_counter()
            result = mocked.trigger(fn, inngest.Event(name=EVENT), client)
            elapsed = (time.perf_counter() - started) * 1000
            assert result.status is mocked.Status.COMPLETED, result.error
            if index >= WARMUP_RUNS:
                times.append(elapsed)
                cpu += time.process_time() - cpu_started
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return Figures(label="mocked (SDK only)", run_ms=times, cpu_step_ms=cpu * 1000 / runs / STEPS)


async def timed_runs(
    count: int, concurrency: int, one_run: Callable[[], Awaitable[float]]
) -> tuple[list[float], float]:
    """Per-run milliseconds and runs per second with `concurrency` runs in flight."""
    gate = asyncio.Semaphore(concurrency)
    times: list[float] = []

    async def limited() -> None:
        async with gate:
            times.append(await one_run())

    started = time.perf_counter()
    await asyncio.gather(*(limited() for _ in range(count)))
    return times, count / (time.perf_counter() - started)


async def bench_engine(label: str, database_url: str, runs: int, concurrency: int) -> Figures:
    engine_port, app_port = free_port(), free_port()
    engine_url = f"http://127.0.0.1:{engine_port}"
    client = inngest.Inngest(
        app_id="bench",
        api_base_url=engine_url,
        event_api_base_url=engine_url,
        event_key=EVENT_KEY,
        is_production=False,
        logger=quiet_logger(),
    )
    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, [build_function(client)])
    engine = Engine(
        database_url=database_url,
        app_urls=[f"http://127.0.0.1:{app_port}/api/inngest"],
        event_key=EVENT_KEY,
        clock=SystemClock(),
    )
    async with (
        serve(app, app_port),
        serve(engine.asgi, engine_port),
        httpx.AsyncClient() as http,
    ):
        await engine.start()
        try:
            await asyncio.wait_for(engine.synced.wait(), 30)
            async with Completions(engine).running() as completions:

                async def one_run() -> float:
                    started = time.perf_counter()
                    response = await http.post(
                        f"{engine_url}/e/{EVENT_KEY}", json={"name": EVENT, "data": {}}
                    )
                    response.raise_for_status()
                    ended = await completions.expect(response.json()["ids"][0])
                    return (ended - started) * 1000

                await timed_runs(WARMUP_RUNS, 1, one_run)
                cpu_started = time.process_time()
                serial, _ = await timed_runs(runs, 1, one_run)
                cpu_step_ms = (time.process_time() - cpu_started) * 1000 / runs / STEPS
                _, throughput = await timed_runs(runs, concurrency, one_run)
        finally:
            await engine.stop()
    return Figures(label=label, run_ms=serial, throughput=throughput, cpu_step_ms=cpu_step_ms)


def report(command: str, runs: int, concurrency: int, mock: Figures, results: list[Figures]) -> str:
    lines = [
        f"$ {command}",
        f"{STEPS}-step no-op function, {runs} runs each; latency one run at a time, "
        f"throughput {concurrency} at a time; {os.cpu_count()} CPUs",
        "",
        f"{'':<22}{'run p50 ms':>11}{'step ms':>9}{'net step':>10}{'x mocked':>10}"
        f"{'cpu/step':>10}{'runs/s':>9}",
        f"{mock.label:<22}{mock.median_run_ms:>11.2f}{mock.step_ms:>9.3f}{'':>10}{1.0:>10.1f}"
        f"{mock.cpu_step_ms or 0:>10.3f}{1000 / mock.median_run_ms:>9.0f}",
    ]
    goals = []
    for fig in results:
        net = fig.step_ms - mock.step_ms
        ratio = fig.median_run_ms / mock.median_run_ms
        lines.append(
            f"{fig.label:<22}{fig.median_run_ms:>11.2f}{fig.step_ms:>9.3f}{net:>10.3f}"
            f"{ratio:>10.1f}{fig.cpu_step_ms or 0:>10.3f}{fig.throughput or 0:>9.1f}"
        )
        database = fig.label.split(", ")[-1]
        goal = GOAL_NET_STEP_MS[database]
        goals.append(f"net step <= {goal} ms on {database}: {'met' if net <= goal else 'not met'}")
        if database == "SQLite":
            met = (fig.throughput or 0) >= GOAL_RUNS_PER_SECOND
            goals.append(
                f">= {GOAL_RUNS_PER_SECOND:.0f} runs/s at {concurrency} in flight on SQLite: "
                f"{'met' if met else 'not met'}"
            )
    lines += [
        "",
        "step ms = median run / steps; net step = step ms minus the mocked step ms;",
        "cpu/step = CPU time of this process (app and engine) per step, one run at a time;",
        "runs/s for mocked is one at a time.",
        *goals,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--postgres", default=os.environ.get("TEST_DATABASE_URL"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    mock = bench_mocked(args.runs)

    async def engines() -> list[Figures]:
        with tempfile.TemporaryDirectory() as tmp:
            sqlite = f"sqlite+aiosqlite:///{tmp}/engine.db"
            results = [await bench_engine("engine, SQLite", sqlite, args.runs, args.concurrency)]
        if args.postgres:
            async with scratch_database(args.postgres) as url:
                results.append(
                    await bench_engine("engine, PostgreSQL", url, args.runs, args.concurrency)
                )
        return results

    results = uvloop.run(engines())  # the loop `serve` runs on
    command = shlex.join(["python", "bench/engine.py", *sys.argv[1:]])
    print(report(command, args.runs, args.concurrency, mock, results))


if __name__ == "__main__":
    main()
