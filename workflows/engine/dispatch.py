"""What an event does: cancels runs, resumes waits, starts runs. Also timers that resume runs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from croniter import croniter
from sqlalchemy import bindparam, delete, select

from workflows.engine import expressions, schema
from workflows.engine.flow_control import trigger
from workflows.engine.registry import SCHEDULED, FunctionDef
from workflows.engine.runs import end_run, make_event, resume
from workflows.engine.store import Connection, Job, add_job, delete_job

log = logging.getLogger(__name__)
# Built once: every event runs them, and building one costs more than running it.
_EVENT = select(schema.events).where(schema.events.c.seq == bindparam("seq"))
_WAITS_FOR = (
    select(schema.pauses, schema.runs.c.event.label("trigger"))
    .join(schema.runs, schema.runs.c.id == schema.pauses.c.run_id)
    .where(
        schema.pauses.c.event_name == bindparam("event_name"),
        schema.pauses.c.after_seq < bindparam("seq"),
    )
    .order_by(schema.pauses.c.id)
)


async def dispatch_event(
    conn: Connection, job: Job, functions: Mapping[str, FunctionDef], now: float
) -> None:
    row = (await conn.execute(_EVENT, {"seq": job.payload["seq"]})).first()
    if not await delete_job(conn, job.id) or row is None:
        return
    event: dict[str, Any] = row.payload
    await _cancel_runs(conn, event, functions, now)
    await _resume_waits(conn, event, row.seq, now)
    for fn in functions.values():
        if fn.triggered_by(event):
            await trigger(conn, fn, event, now)


async def _cancel_runs(
    conn: Connection, event: dict[str, Any], functions: Mapping[str, FunctionDef], now: float
) -> None:
    for fn in functions.values():
        rules = [rule for rule in fn.cancel if rule.event == event["name"]]
        if not rules:
            continue
        running = await conn.execute(
            select(schema.runs).where(
                schema.runs.c.function_id == fn.id, schema.runs.c.status == "Running"
            )
        )
        for run in running.all():
            context = {"event": run.event, "async": event}
            live = [r for r in rules if r.timeout is None or now <= run.started_at + r.timeout]
            if any(expressions.matches(rule.expression, **context) for rule in live):
                await end_run(conn, run, status="Cancelled", now=now)


async def _resume_waits(conn: Connection, event: dict[str, Any], seq: int, now: float) -> None:
    """Hand the event to every wait it matches; a wait never matches an event older than itself."""
    waits = await conn.execute(_WAITS_FOR, {"event_name": event["name"], "seq": seq})
    for pause in waits.all():
        context = {"event": pause.trigger, "async": event}
        if not expressions.matches(pause.expression, **context):
            continue
        if await _take_pause(conn, pause.id, pause.run_id, pause.step_id):
            await resume(conn, pause.run_id, pause.step_id, event, now, op="WaitForEvent")


async def _take_pause(conn: Connection, pause_id: int, run_id: str, step_id: str) -> bool:
    """Delete a run's pause for a step; only the caller that deleted it may resume the run.

    Named by run and step as well as id: once an event took a pause, SQLite may give its row id
    to another run's wait, which the first wait's timeout must leave alone."""
    result = await conn.execute(
        delete(schema.pauses).where(
            schema.pauses.c.id == pause_id,
            schema.pauses.c.run_id == run_id,
            schema.pauses.c.step_id == step_id,
        )
    )
    return bool(result.rowcount)


async def expire_wait(conn: Connection, job: Job, now: float) -> None:
    step_id = job.payload["step_id"]
    if (
        await delete_job(conn, job.id)
        and job.run_id
        and await _take_pause(conn, job.payload["pause_id"], job.run_id, step_id)
    ):
        await resume(conn, job.run_id, step_id, None, now, op="WaitForEvent")


async def expire_invoke(conn: Connection, job: Job, now: float) -> None:
    error = {
        "name": "InngestInvokeTimeoutError",
        "message": "Timed out waiting for invoked function to complete",
    }
    if await delete_job(conn, job.id) and job.run_id:
        await resume(
            conn, job.run_id, job.payload["step_id"], {"error": error}, now, op="InvokeFunction"
        )


async def fire_cron(
    conn: Connection, job: Job, functions: Mapping[str, FunctionDef], now: float
) -> None:
    if not await delete_job(conn, job.id):
        return
    fn = functions.get(job.payload["function_id"])
    cron = job.payload["cron"]
    if fn is None or cron not in fn.crons:
        return
    await trigger(conn, fn, make_event(SCHEDULED, {"cron": cron}, now), now)
    await schedule_cron(conn, fn, cron, now)


async def schedule_cron(conn: Connection, fn: FunctionDef, cron: str, now: float) -> None:
    next_at = float(croniter(cron, now).get_next(float))
    payload = {"function_id": fn.id, "cron": cron}
    await add_job(conn, kind="cron", payload=payload, available_at=next_at)
