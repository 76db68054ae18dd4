"""Invoking a function the engine does not know fails that step, and the run can handle it."""

from __future__ import annotations

from typing import Any

import inngest

from tests.engine.harness import make_client, running_harness


async def test_invoking_an_unknown_function_fails_the_step_with_function_not_found(
    engine_db: str, engine_port: int
) -> None:
    client = make_client(f"http://127.0.0.1:{engine_port}")
    caught: list[str] = []

    @client.create_function(fn_id="caller", trigger=inngest.TriggerEvent(event="t/caller"))
    async def caller(ctx: inngest.Context) -> Any:
        try:
            await ctx.step.invoke_by_id("call-missing", function_id="missing", data={"n": 1})
        except inngest.StepError as error:
            caught.append(f"{error.name}: {error.message}")
            return "handled"
        return "not reached"

    async with running_harness(engine_db, [caller], client, engine_port) as h:
        run = await h.finished_run(await h.send("t/caller"))
        memos = await h.engine.store.memos(run["run_id"])

    assert (run["status"], run["output"]) == ("Completed", "handled")
    assert caught == ["FunctionNotFound: t-missing"]
    [memo] = [m for m in memos if m.op == "InvokeFunction"]
    assert memo.memo == {"error": {"name": "FunctionNotFound", "message": "t-missing"}}
    assert memo.at == h.clock.now()
