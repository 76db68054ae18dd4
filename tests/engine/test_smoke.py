from __future__ import annotations

from tests.engine.functions import Observed, build_suite
from tests.engine.harness import make_client, running_harness


async def test_three_steps_complete_once_each(engine_db: str, engine_port: int) -> None:
    seen = Observed()
    client = make_client(f"http://127.0.0.1:{engine_port}")
    async with running_harness(engine_db, build_suite(client, seen), client, engine_port) as h:
        run = await h.finished_run(await h.send("t/steps"))
    assert run["status"] == "Completed"
    assert run["output"] == {"total": 6}
    assert seen.calls == {"add-0": 1, "add-1": 1, "add-2": 1}
