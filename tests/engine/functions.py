"""The test-only function suite: one function per op and per flow-control option."""

from __future__ import annotations

import asyncio
import datetime
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import inngest

from tests.engine.flow_functions import dispatch_flow_functions


@dataclass
class Observed:
    """What the functions did, as seen from outside the engine."""

    calls: Counter[str] = field(default_factory=Counter)
    active: Counter[str] = field(default_factory=Counter)
    max_active: Counter[str] = field(default_factory=Counter)
    attempts: list[int] = field(default_factory=list)
    order: list[str] = field(default_factory=list)
    failures: list[dict[str, Any]] = field(default_factory=list)
    cancellations: list[dict[str, Any]] = field(default_factory=list)
    started: list[float] = field(default_factory=list)  # monotonic, when throttled runs began
    gates: dict[str, asyncio.Event] = field(default_factory=dict)

    def gate(self, name: str) -> asyncio.Event:
        return self.gates.setdefault(name, asyncio.Event())


def build_suite(client: inngest.Inngest, seen: Observed) -> list[inngest.Function[Any]]:
    """Functions that exercise every op and every flow-control option the engine honours."""
    return [
        *_ops(client, seen),
        *_failures(client, seen),
        *_flow_control(client, seen),
        *dispatch_flow_functions(client, seen),
    ]


def _ops(client: inngest.Inngest, seen: Observed) -> list[inngest.Function[Any]]:
    async def add(index: int) -> int:
        seen.calls[f"add-{index}"] += 1
        return index + 1

    @client.create_function(fn_id="steps", trigger=inngest.TriggerEvent(event="t/steps"))
    async def steps(ctx: inngest.Context) -> Any:
        total = 0
        for index in range(3):
            total += await ctx.step.run(f"add-{index}", add, index)
        return {"total": total}

    @client.create_function(fn_id="parallel", trigger=inngest.TriggerEvent(event="t/parallel"))
    async def parallel(ctx: inngest.Context) -> Any:
        def branch(index: int) -> Callable[[], Awaitable[int]]:
            async def run_branch() -> int:
                return await ctx.step.run(f"branch-{index}", add, index)

            return run_branch

        results = await ctx.group.parallel(tuple(branch(index) for index in range(3)))
        after = await ctx.step.run("after", add, 10)
        return {"branches": list(results), "after": after}

    async def held_branch() -> str:
        seen.calls["held-branch"] += 1
        await seen.gate("branch").wait()
        return "held"

    @client.create_function(
        fn_id="uneven-parallel", trigger=inngest.TriggerEvent(event="t/uneven-parallel")
    )
    async def uneven_parallel(ctx: inngest.Context) -> Any:
        # One branch ends at once, the other only when its gate opens.
        return await ctx.group.parallel(
            (
                lambda: ctx.step.run("quick", add, 0),
                lambda: ctx.step.run("held", held_branch),
            )
        )

    @client.create_function(fn_id="sleeper", trigger=inngest.TriggerEvent(event="t/sleep"))
    async def sleeper(ctx: inngest.Context) -> Any:
        await ctx.step.sleep("nap", datetime.timedelta(hours=1))
        return {"woke": await ctx.step.run("wake", add, 0)}

    @client.create_function(fn_id="waiter", trigger=inngest.TriggerEvent(event="t/wait"))
    async def waiter(ctx: inngest.Context) -> Any:
        await ctx.step.run("before", add, 100)
        decided = await ctx.step.wait_for_event(
            "decision",
            event="t/decided",
            if_exp="async.data.id == event.data.id",
            timeout=datetime.timedelta(hours=24),
        )
        return {"decision": None if decided is None else decided.data}

    @client.create_function(fn_id="busy-waiter", trigger=inngest.TriggerEvent(event="t/busy-wait"))
    async def busy_waiter(ctx: inngest.Context) -> Any:
        # Still running when its wait's timeout comes due: the event resumed it long before.
        await ctx.step.wait_for_event(
            "go",
            event="t/decided",
            if_exp="async.data.id == event.data.id",
            timeout=datetime.timedelta(hours=1),
        )
        await ctx.step.sleep("work-on", datetime.timedelta(days=2))
        return "done"

    @client.create_function(fn_id="child", trigger=inngest.TriggerEvent(event="t/child"))
    async def child(ctx: inngest.Context) -> Any:
        return {"doubled": int(str(ctx.event.data["n"])) * 2}

    @client.create_function(fn_id="parent", trigger=inngest.TriggerEvent(event="t/parent"))
    async def parent(ctx: inngest.Context) -> Any:
        return await ctx.step.invoke("call-child", function=child, data={"n": 21})

    @client.create_function(fn_id="slow-child", trigger=inngest.TriggerEvent(event="t/slow-child"))
    async def slow_child(ctx: inngest.Context) -> Any:
        await ctx.step.sleep("take-an-hour", datetime.timedelta(hours=1))
        return "late"

    def parent_of_slow_child(fn_id: str, timeout: datetime.timedelta) -> inngest.Function[Any]:
        """A parent that gives the hour-long child `timeout`, and returns the error it gets."""

        @client.create_function(fn_id=fn_id, trigger=inngest.TriggerEvent(event=f"t/{fn_id}"))
        async def parent(ctx: inngest.Context) -> Any:
            try:
                return await ctx.step.invoke(
                    "call-slow-child", function=slow_child, data={}, timeout=timeout
                )
            except inngest.StepError as error:
                return {"name": error.name, "message": error.message}

        return parent

    @client.create_function(
        fn_id="short-lived",
        trigger=inngest.TriggerEvent(event="t/short-lived"),
        timeouts=inngest.Timeouts(finish=datetime.timedelta(seconds=1)),
    )
    async def short_lived(ctx: inngest.Context) -> Any:
        await ctx.step.sleep("outlive-the-timeout", datetime.timedelta(hours=1))
        return "finished"

    return [
        steps,
        parallel,
        uneven_parallel,
        *_groups(client, seen),
        sleeper,
        waiter,
        busy_waiter,
        child,
        parent,
        slow_child,
        parent_of_slow_child("impatient-parent", datetime.timedelta(minutes=1)),
        parent_of_slow_child("hasty-parent", datetime.timedelta(seconds=1)),
        short_lived,
    ]


def _groups(client: inngest.Inngest, seen: Observed) -> list[inngest.Function[Any]]:
    """Parallel groups that mix ops, and one in race mode."""

    async def note(name: str) -> str:
        seen.order.append(name)
        seen.gate(f"{name}-done").set()
        return name

    async def held(name: str) -> str:
        seen.gate(f"{name}-started").set()
        await seen.gate(f"{name}-release").wait()
        return await note(name)

    @client.create_function(fn_id="mixed-group", trigger=inngest.TriggerEvent(event="t/mixed"))
    async def mixed_group(ctx: inngest.Context) -> Any:
        async def work() -> Any:
            return await ctx.step.run("work", held, "work")

        async def wait() -> Any:
            event = await ctx.step.wait_for_event(
                "go",
                event="t/go",
                if_exp="async.data.id == event.data.id",
                timeout=datetime.timedelta(hours=1),
            )
            return None if event is None else event.data

        async def invoke() -> Any:
            return await ctx.step.invoke_by_id("call-child", function_id="child", data={"n": 2})

        return list(await ctx.group.parallel((work, wait, invoke)))

    @client.create_function(fn_id="sleepy-group", trigger=inngest.TriggerEvent(event="t/sleepy"))
    async def sleepy_group(ctx: inngest.Context) -> Any:
        async def work() -> Any:
            return await ctx.step.run("sleepy-work", held, "sleepy-work")

        async def nap() -> Any:
            return await ctx.step.sleep("nap", datetime.timedelta(hours=1))

        return list(await ctx.group.parallel((work, nap)))

    @client.create_function(fn_id="race", trigger=inngest.TriggerEvent(event="t/race"))
    async def race(ctx: inngest.Context) -> Any:
        seen.calls["race-requests"] += 1

        async def fast() -> None:
            await ctx.step.run("a.1", note, "a.1")
            await ctx.step.run("a.2", note, "a.2")

        async def slow() -> None:
            await ctx.step.run("b.1", held, "b.1")
            await ctx.step.run("b.2", note, "b.2")

        await ctx.group.parallel((fast, slow), parallel_mode=inngest.ParallelMode.RACE)
        return "raced"

    return [mixed_group, sleepy_group, race]


def _failures(client: inngest.Inngest, seen: Observed) -> list[inngest.Function[Any]]:
    async def flaky() -> str:
        seen.calls["flaky"] += 1
        if seen.calls["flaky"] < 3:
            raise RuntimeError("temporary")
        return "ok"

    @client.create_function(fn_id="retry", trigger=inngest.TriggerEvent(event="t/retry"), retries=3)
    async def retry(ctx: inngest.Context) -> Any:
        return await ctx.step.run("flaky", flaky)

    async def always_fails() -> None:
        seen.calls["doomed"] += 1
        raise RuntimeError("broken for good")

    async def record_failure(ctx: inngest.Context) -> None:
        seen.failures.append(dict(ctx.event.data))
        seen.gate("failure-announced").set()

    @client.create_function(
        fn_id="doomed",
        trigger=inngest.TriggerEvent(event="t/doomed"),
        retries=1,
        on_failure=record_failure,
    )
    async def doomed(ctx: inngest.Context) -> Any:
        return await ctx.step.run("always-fails", always_fails)

    async def flaky_free() -> str:
        return "fine"

    async def fails_the_first_time() -> str:
        seen.calls["late-flaky"] += 1
        if seen.calls["late-flaky"] == 1:
            raise RuntimeError("temporary")
        return "ok"

    @client.create_function(
        fn_id="late-flaky", trigger=inngest.TriggerEvent(event="t/late-flaky"), retries=1
    )
    async def late_flaky(ctx: inngest.Context) -> Any:
        # The flaky step comes second: its first try is the call after a finished step.
        await ctx.step.run("first", flaky_free)
        return await ctx.step.run("flaky", fails_the_first_time)

    @client.create_function(fn_id="no-retry", trigger=inngest.TriggerEvent(event="t/no-retry"))
    async def no_retry(ctx: inngest.Context) -> Any:
        seen.calls["no-retry"] += 1
        raise inngest.NonRetriableError("permanent")

    async def refuses_for_good() -> None:
        seen.calls["step-no-retry"] += 1
        raise inngest.NonRetriableError("the card was deleted")

    @client.create_function(
        fn_id="step-no-retry", trigger=inngest.TriggerEvent(event="t/step-no-retry"), retries=4
    )
    async def step_no_retry(ctx: inngest.Context) -> Any:
        return await ctx.step.run("refuses-for-good", refuses_for_good)

    @client.create_function(
        fn_id="retry-after", trigger=inngest.TriggerEvent(event="t/retry-after"), retries=2
    )
    async def retry_after(ctx: inngest.Context) -> Any:
        seen.attempts.append(ctx.attempt)
        if ctx.attempt == 0:
            raise inngest.RetryAfterError("busy", datetime.timedelta(minutes=10))
        return {"attempt": ctx.attempt}

    return [retry, late_flaky, doomed, no_retry, step_no_retry, retry_after]


def _flow_control(client: inngest.Inngest, seen: Observed) -> list[inngest.Function[Any]]:
    @client.create_function(
        fn_id="filtered",
        trigger=inngest.TriggerEvent(event="t/filtered", expression="event.data.go == true"),
    )
    async def filtered(ctx: inngest.Context) -> Any:
        return "ran"

    @client.create_function(fn_id="cron", trigger=inngest.TriggerCron(cron="*/5 * * * *"))
    async def cron(ctx: inngest.Context) -> Any:
        seen.calls["cron"] += 1
        return ctx.event.name

    @client.create_function(
        fn_id="idempotent",
        trigger=inngest.TriggerEvent(event="t/idempotent"),
        idempotency="event.data.key",
    )
    async def idempotent(ctx: inngest.Context) -> Any:
        seen.calls["idempotent"] += 1
        return ctx.event.data["key"]

    def throttled(fn_id: str, period: datetime.timedelta) -> inngest.Function[Any]:
        @client.create_function(
            fn_id=fn_id,
            trigger=inngest.TriggerEvent(event=f"t/{fn_id}"),
            throttle=inngest.Throttle(limit=1, period=period),
        )
        async def throttled_run(ctx: inngest.Context) -> Any:
            seen.calls[fn_id] += 1
            seen.started.append(time.monotonic())
            return "started"

        return throttled_run

    async def hold(key: str) -> str:
        seen.active[key] += 1
        seen.max_active[key] = max(seen.max_active[key], seen.active[key])
        await seen.gate("hold").wait()
        seen.active[key] -= 1
        return key

    @client.create_function(
        fn_id="limited",
        trigger=inngest.TriggerEvent(event="t/limited"),
        concurrency=[inngest.Concurrency(limit=1, key="event.data.key")],
    )
    async def limited(ctx: inngest.Context) -> Any:
        return await ctx.step.run("hold", hold, str(ctx.event.data["key"]))

    @client.create_function(
        fn_id="cancellable",
        trigger=inngest.TriggerEvent(event="t/cancellable"),
        cancel=[inngest.Cancel(event="t/cancel", if_exp="async.data.id == event.data.id")],
    )
    async def cancellable(ctx: inngest.Context) -> Any:
        await ctx.step.wait_for_event("never", event="t/never", timeout=datetime.timedelta(days=7))
        seen.calls["cancellable-finished"] += 1
        return "not cancelled"

    @client.create_function(
        fn_id="after-cancel",
        trigger=inngest.TriggerEvent(
            event="inngest/function.cancelled",
            expression="event.data.function_id == 't-cancellable'",
        ),
    )
    async def after_cancel(ctx: inngest.Context) -> None:
        seen.cancellations.append(dict(ctx.event.data))
        seen.gate("cancel-announced").set()

    return [
        filtered,
        cron,
        idempotent,
        throttled("throttled", datetime.timedelta(minutes=1)),
        throttled("quick-throttle", datetime.timedelta(seconds=2)),
        limited,
        cancellable,
        after_cancel,
    ]
