"""An event the engine accepts before the app's functions are registered still starts its run."""

from __future__ import annotations

import asyncio

import fastapi
import httpx
import inngest
import inngest.fast_api

from tests.engine.functions import Observed, build_suite
from tests.engine.harness import EVENT_KEY, Harness, free_port, make_client, serve
from workflows.engine import Engine, ManualClock


async def test_an_event_accepted_before_the_first_sync_runs_once_functions_register(
    engine_db: str, engine_port: int
) -> None:
    app_port = free_port()
    client = make_client(f"http://127.0.0.1:{engine_port}")
    app = fastapi.FastAPI()
    inngest.fast_api.serve(app, client, build_suite(client, Observed()))
    clock = ManualClock()
    engine = Engine(
        database_url=engine_db,
        app_urls=[f"http://127.0.0.1:{app_port}/api/inngest"],
        clock=clock,
    )
    engine_url = f"http://127.0.0.1:{engine_port}"
    async with serve(engine.asgi, engine_port), httpx.AsyncClient() as http:
        await engine.start()
        try:
            harness = Harness(engine=engine, clock=clock, engine_url=engine_url, http=http)
            # The app is not up yet: the engine knows no function when the event arrives.
            sent = await http.post(f"{engine_url}/e/{EVENT_KEY}", json={"name": "t/steps"})
            event_id = sent.json()["ids"][0]
            await asyncio.sleep(0.3)  # the scheduler looks at the event meanwhile
            runs_before_sync = await harness.runs(event_id)
            async with serve(app, app_port):
                run = await harness.finished_run(event_id)
        finally:
            await engine.stop()

    assert runs_before_sync == []
    assert run["status"] == "Completed"
    assert run["output"] == {"total": 6}
