"""What happens between an event matching a function and its run starting: rate limit, batching,
debounce, singleton; and the timers they and run timeouts set.

Every decision is taken under the engine's dispatch lock, against every earlier event, and
committed with the event's dispatch, so a restart neither loses nor repeats one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, delete, insert, select

from workflows.engine import expressions, schema
from workflows.engine.queueing import (
    FINISH_TIMEOUT,
    START_TIMEOUT,
    drop_state,
    load_state,
    save_state,
)
from workflows.engine.registry import FunctionDef
from workflows.engine.runs import end_run, start_run
from workflows.engine.store import Connection, Job, Store, add_job, delete_job, load_run, new_id

DEBOUNCE = "debounce"
BATCH = "batch"
JOB_KINDS = frozenset({DEBOUNCE, BATCH, START_TIMEOUT, FINISH_TIMEOUT})
# A batch starts early once its events hold this much data, as on Inngest.
MAX_BATCH_BYTES = 10 * 1024 * 1024


async def trigger(conn: Connection, fn: FunctionDef, event: dict[str, Any], now: float) -> None:
    """An event that matches `fn`'s trigger: start a run, or hold, batch or skip it."""
    flow = fn.flow
    if flow.rate_limit is not None and not await _within_rate_limit(conn, fn, event, now):
        return
    if flow.batch is not None and expressions.matches(flow.batch.expression, event=event):
        await _add_to_batch(conn, fn, event, now)
    elif flow.debounce is not None:
        await _debounce(conn, fn, event, now)
    else:
        await start(conn, fn, [event], now)


async def start(
    conn: Connection, fn: FunctionDef, events: list[dict[str, Any]], now: float
) -> str | None:
    """Start a run for `events` (the first is its `event`), unless a singleton skips it."""
    singleton = fn.flow.singleton
    key = expressions.key_value(singleton.key, events[0]) if singleton else ""
    if singleton is not None:
        holder = await load_state(conn, fn.id, "singleton", key)
        run = await load_run(conn, holder.run_id) if holder and holder.run_id else None
        if run is not None and run.status == "Running":
            if singleton.mode == "skip":
                return None
            await end_run(conn, run, status="Cancelled", now=now)
    run_id = await start_run(conn, fn, events[0], now)
    if run_id is not None and singleton is not None:
        await save_state(conn, fn.id, "singleton", key, run_id=run_id)
    if run_id is not None and fn.flow.batch is not None:
        rows = [
            {"event_id": event["id"], "run_id": run_id, "position": position}
            for position, event in enumerate(events)
        ]
        await conn.execute(insert(schema.run_events), rows)
    return run_id


_BATCH_EVENTS = (  # built once: every call of a batched run reads it
    select(schema.events.c.payload)
    .join(schema.run_events, schema.run_events.c.event_id == schema.events.c.id)
    .where(schema.run_events.c.run_id == bindparam("run_id"))
    .order_by(schema.run_events.c.position)
)


async def run_events(store: Store, run_id: str) -> list[dict[str, Any]] | None:
    """The events of a batched run, for its calls and the API; None for a run of one event."""
    async with store.statement() as conn:
        rows = (await conn.execute(_BATCH_EVENTS, {"run_id": run_id})).scalars().all()
    return list(rows) or None


async def _within_rate_limit(
    conn: Connection, fn: FunctionDef, event: dict[str, Any], now: float
) -> bool:
    """GCRA: at most `limit` starts in any `period` per key; an event over it is skipped."""
    rule = fn.flow.rate_limit
    assert rule is not None
    key = expressions.key_value(rule.key, event)
    row = await load_state(conn, fn.id, "rate", key)
    arrival = max(row.at if row is not None and row.at is not None else now, now)
    arrival += rule.period / rule.limit
    if arrival - rule.period > now:
        return False
    await save_state(conn, fn.id, "rate", key, at=arrival)
    return True


async def _debounce(conn: Connection, fn: FunctionDef, event: dict[str, Any], now: float) -> None:
    """Keep the latest event; the run starts `period` after the last one, or at `timeout`
    after the first, whichever comes sooner."""
    rule = fn.flow.debounce
    assert rule is not None
    key = expressions.key_value(rule.key, event)
    row = await load_state(conn, fn.id, DEBOUNCE, key)
    first_at = float(row.payload["first_at"]) if row is not None else now
    due = now + rule.period
    if rule.timeout is not None:
        due = min(due, first_at + rule.timeout)
    payload = {"event": event, "first_at": first_at}
    await save_state(conn, fn.id, DEBOUNCE, key, at=due, payload=payload)
    job = {"function_id": fn.id, "key": key, "due": due}
    await add_job(conn, kind=DEBOUNCE, payload=job, available_at=due)


async def _add_to_batch(
    conn: Connection, fn: FunctionDef, event: dict[str, Any], now: float
) -> None:
    rule = fn.flow.batch
    assert rule is not None
    key = expressions.key_value(rule.key, event)
    row = await load_state(conn, fn.id, BATCH, key)
    size = len(json.dumps(event))
    batch: dict[str, Any]
    if row is None:
        batch = {"id": new_id(), "events": [event], "bytes": size}
        job = {"function_id": fn.id, "key": key, "batch_id": batch["id"]}
        await add_job(conn, kind=BATCH, payload=job, available_at=now + rule.timeout)
    else:
        batch = dict(row.payload)
        batch["events"] = [*batch["events"], event]
        batch["bytes"] += size
    if len(batch["events"]) >= rule.max_size or batch["bytes"] >= MAX_BATCH_BYTES:
        await drop_state(conn, fn.id, BATCH, key)
        await start(conn, fn, batch["events"], now)
    else:
        await save_state(conn, fn.id, BATCH, key, payload=batch)


async def fire(
    conn: Connection, job: Job, functions: Mapping[str, FunctionDef], now: float
) -> None:
    """A flow-control timer came due: a debounce settled, a batch timed out, a run timed out."""
    if not await delete_job(conn, job.id):
        return
    if job.kind in (START_TIMEOUT, FINISH_TIMEOUT):
        run = await load_run(conn, job.run_id or "")
        if run is not None and run.status == "Running":
            await end_run(conn, run, status="Cancelled", now=now)
        return
    fn = functions.get(job.payload["function_id"])
    kind, key = job.kind, job.payload["key"]
    row = None if fn is None else await load_state(conn, fn.id, kind, key)
    if fn is None or row is None:
        return
    if kind == DEBOUNCE and row.at == job.payload["due"]:  # else a later event moved it
        await drop_state(conn, fn.id, kind, key)
        await start(conn, fn, [row.payload["event"]], now)
    elif kind == BATCH and row.payload["id"] == job.payload["batch_id"]:
        await drop_state(conn, fn.id, kind, key)
        await start(conn, fn, row.payload["events"], now)


async def mark_started(
    store: Store, job: Job, functions: Mapping[str, FunctionDef], now: float
) -> None:
    """A run's first call is about to go out: it has started, so its start timeout is void and
    its finish timeout begins."""
    async with store.transaction() as conn:
        jobs = schema.jobs
        taken = await conn.execute(
            delete(jobs).where(jobs.c.run_id == job.run_id, jobs.c.kind == START_TIMEOUT)
        )
        run = await load_run(conn, job.run_id or "") if taken.rowcount else None
        fn = functions.get(run.function_id) if run is not None else None
        finish = fn.flow.timeouts.finish if fn is not None and fn.flow.timeouts else None
        if finish is not None:
            await add_job(conn, kind=FINISH_TIMEOUT, run_id=job.run_id, available_at=now + finish)
