"""Test-only functions for dispatch-level flow control: singleton, debounce, batching, rate limit,
priority and run timeouts."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

import inngest

if TYPE_CHECKING:
    from tests.engine.functions import Observed

HOUR = datetime.timedelta(hours=1)


def dispatch_flow_functions(client: inngest.Inngest, seen: Observed) -> list[inngest.Function[Any]]:
    def parked(fn_id: str, **options: Any) -> inngest.Function[Any]:
        """A function whose runs stay Running until a `t/release` event for their key."""

        @client.create_function(
            fn_id=fn_id, trigger=inngest.TriggerEvent(event=f"t/{fn_id}"), **options
        )
        async def park(ctx: inngest.Context) -> Any:
            await ctx.step.wait_for_event(
                "released",
                event="t/release",
                if_exp="async.data.key == event.data.key",
                timeout=datetime.timedelta(days=1),
            )
            return ctx.event.data["n"]

        return park

    def counted(fn_id: str, **options: Any) -> inngest.Function[Any]:
        @client.create_function(
            fn_id=fn_id, trigger=inngest.TriggerEvent(event=f"t/{fn_id}"), **options
        )
        async def count(ctx: inngest.Context) -> Any:
            seen.calls[fn_id] += 1
            return [event.data.get("n") for event in ctx.events]

        return count

    @client.create_function(
        fn_id="big-batch",
        trigger=inngest.TriggerEvent(event="t/big-batch"),
        batch_events=inngest.Batch(max_size=8, timeout=HOUR),
    )
    async def big_batch(ctx: inngest.Context) -> Any:
        sizes = [len(str(event.data["blob"])) for event in ctx.events]
        return {"events": len(sizes), "bytes": sum(sizes)}

    async def hold_in_line(name: str) -> str:
        seen.order.append(name)
        seen.gate(f"{name}-in-line").set()
        await seen.gate("line").wait()
        return name

    @client.create_function(
        fn_id="prioritized",
        trigger=inngest.TriggerEvent(event="t/prioritized"),
        concurrency=[inngest.Concurrency(limit=1)],
        priority=inngest.Priority(run="event.data.priority"),
    )
    async def prioritized(ctx: inngest.Context) -> Any:
        return await ctx.step.run("hold-in-line", hold_in_line, str(ctx.event.data["name"]))

    @client.create_function(
        fn_id="timed",
        trigger=inngest.TriggerEvent(event="t/timed"),
        concurrency=[inngest.Concurrency(limit=1)],
        timeouts=inngest.Timeouts(start=datetime.timedelta(minutes=1), finish=HOUR),
    )
    async def timed(ctx: inngest.Context) -> Any:
        await ctx.step.run("hold-in-line", hold_in_line, str(ctx.event.data["name"]))
        await ctx.step.sleep("work-for-two-hours", datetime.timedelta(hours=2))
        return "finished"

    @client.create_function(
        fn_id="quick-start",
        trigger=inngest.TriggerEvent(event="t/quick-start"),
        concurrency=[inngest.Concurrency(limit=1)],
        timeouts=inngest.Timeouts(start=datetime.timedelta(seconds=1)),
    )
    async def quick_start(ctx: inngest.Context) -> Any:
        return await ctx.step.run("hold-in-line", hold_in_line, str(ctx.event.data["name"]))

    async def share_the_pool() -> None:
        seen.active["pool"] += 1
        seen.max_active["pool"] = max(seen.max_active["pool"], seen.active["pool"])
        await seen.gate("pool").wait()
        seen.active["pool"] -= 1

    def pooled(fn_id: str) -> inngest.Function[Any]:
        @client.create_function(
            fn_id=fn_id,
            trigger=inngest.TriggerEvent(event=f"t/{fn_id}"),
            concurrency=[inngest.Concurrency(limit=1, key='"pool"', scope="env")],
        )
        async def use_pool(ctx: inngest.Context) -> Any:
            await ctx.step.run("share-the-pool", share_the_pool)

        return use_pool

    key = "event.data.key"
    within_an_hour = inngest.Cancel(
        event="t/release-early", if_exp="async.data.key == event.data.key", timeout=HOUR
    )
    return [
        parked("cancel-within", cancel=[within_an_hour]),
        parked("singleton-skip", singleton=inngest.Singleton(key=key, mode="skip")),
        parked("singleton-cancel", singleton=inngest.Singleton(key=key, mode="cancel")),
        counted(
            "debounced",
            debounce=inngest.Debounce(
                key=key,
                period=datetime.timedelta(seconds=10),
                timeout=datetime.timedelta(seconds=30),
            ),
        ),
        counted("quick-debounce", debounce=inngest.Debounce(period=datetime.timedelta(seconds=1))),
        counted(
            "batched",
            batch_events=inngest.Batch(max_size=3, timeout=datetime.timedelta(seconds=10), key=key),
        ),
        counted("rate-limited", rate_limit=inngest.RateLimit(key=key, limit=1, period=HOUR)),
        big_batch,
        pooled("pooled-a"),
        pooled("pooled-b"),
        prioritized,
        timed,
        quick_start,
    ]
