"""The test-only function suite: one function per op and per flow-control option."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import inngest


@dataclass
class Observed:
    """What the functions did, as seen from outside the engine."""

    calls: Counter[str] = field(default_factory=Counter)
    active: Counter[str] = field(default_factory=Counter)
    max_active: Counter[str] = field(default_factory=Counter)
    failures: list[dict[str, Any]] = field(default_factory=list)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)

    def gate(self, name: str) -> asyncio.Event:
        return self.gates.setdefault(name, asyncio.Event())


def build_suite(client: inngest.Inngest, seen: Observed) -> list[inngest.Function[Any]]:
    """Functions that exercise StepRun, retries, parallel, sleep, waits, invoke and config."""

    async def count(name: str) -> int:
        seen.calls[name] += 1
        return seen.calls[name]

    @client.create_function(fn_id="steps", trigger=inngest.TriggerEvent(event="t/steps"))
    async def steps(ctx: inngest.Context) -> Any:
        async def add(index: int) -> int:
            await count(f"add-{index}")
            return index + 1

        total = 0
        for index in range(3):
            total += await ctx.step.run(f"add-{index}", add, index)
        return {"total": total}

    return [steps]
