"""How fast `POST /webhooks/front` answers (Front gives up after 5 s), and how long a message
takes to become a draft, on the embedded default: SQLite, the embedded engine, offline model.

    python bench/webhook.py --messages 100 [--postgres postgresql+asyncpg://...]

Each message is a signed `inbound_received` webhook for the demo app, posted to the real app
under uvicorn. "accept" is the webhook's round trip; "to draft" runs from that POST until the
run that drafts the reply has completed (the benchmark learns it from the engine's own
notice that a job finished, so waiting adds no load). Messages are posted one at a time,
then 20 at a time.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import uvloop

from bench.completions import Completions
from tests.engine.databases import scratch_database
from tests.flow.stack import Stack, running_stack, stack_settings
from tests.flow.webhook import signed_inbound
from workflows.engine import ManualClock

IN_FLIGHT = 20
RUN_LIMIT = 120.0  # seconds for one message's run before the benchmark gives up
TEXT = "Hi, I can't log in to my account since yesterday."


class WallClock(ManualClock):
    """Real time: retries and their backoff take as long as they would in production."""

    def now(self) -> float:
        return time.time()


async def one_message(stack: Stack, completions: Completions) -> tuple[float, float]:
    """(accept ms, to-draft ms) for one webhook; to-draft is NaN when it was refused."""
    body, headers, ids = signed_inbound(stack, TEXT)
    started = time.perf_counter()
    response = await stack.http.post(
        f"{stack.app_url}/webhooks/front", content=body, headers=headers, timeout=60
    )
    accepted = time.perf_counter()
    if response.status_code == 503:  # Front would deliver it again
        return (accepted - started) * 1000, math.nan
    response.raise_for_status()
    async with asyncio.timeout(RUN_LIMIT):
        ended = await completions.expect(ids["event"])
    return (accepted - started) * 1000, (ended - started) * 1000


async def measure(stack: Stack, messages: int, in_flight: int) -> list[tuple[float, float]]:
    gate = asyncio.Semaphore(in_flight)

    async def gated(completions: Completions) -> tuple[float, float]:
        async with gate:
            return await one_message(stack, completions)

    async with Completions(stack.harness.engine).running() as completions:
        return list(await asyncio.gather(*(gated(completions) for _ in range(messages))))


def report(label: str, samples: list[tuple[float, float]]) -> None:
    accept = sorted(s[0] for s in samples)
    draft = sorted(s[1] for s in samples if not math.isnan(s[1]))
    refused = len(samples) - len(draft)

    def p(values: list[float], q: float) -> float:
        return values[min(int(q * len(values)), len(values) - 1)]

    print(
        f"{label:<28} {statistics.median(accept):8.1f} {p(accept, 0.95):8.1f} {accept[-1]:8.1f}"
        f" {statistics.median(draft):10.1f} {p(draft, 0.95):10.1f} {refused:8d}"
    )


@contextlib.asynccontextmanager
async def database(postgres: str | None) -> AsyncIterator[str]:
    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
    else:
        async with scratch_database(postgres) as url:
            yield url


async def bench(messages: int, postgres: str | None) -> None:
    print(f"{'':<28} {'accept ms':>26} {'to draft ms':>21}")
    print(f"{'':<28} {'p50':>8} {'p95':>8} {'max':>8} {'p50':>10} {'p95':>10} {'503s':>8}")
    for name, url in [("SQLite", None), ("PostgreSQL", postgres)]:
        if name == "PostgreSQL" and url is None:
            continue
        async with database(url) as database_url:
            with tempfile.TemporaryDirectory() as folder:
                settings = stack_settings(database_url, Path(folder), log_level="WARNING")
                async with running_stack(settings, clock=WallClock()) as stack:
                    await measure(stack, 5, 1)  # warm-up
                    report(f"{name}, one at a time", await measure(stack, messages, 1))
                    report(
                        f"{name}, {IN_FLIGHT} in flight",
                        await measure(stack, messages, IN_FLIGHT),
                    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--postgres", help="also measure on this PostgreSQL server")
    args = parser.parse_args()
    uvloop.run(bench(args.messages, args.postgres))  # the loop `serve` runs on


if __name__ == "__main__":
    main()
