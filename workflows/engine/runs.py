"""Starting and ending runs: idempotency, throttle, concurrency keys, failure events, invokes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, func, insert, select

from workflows.engine import expressions, groups, schema
from workflows.engine.queueing import (
    arm_start_timeout,
    concurrency_slot,
    first_call,
    throttled_start,
)
from workflows.engine.registry import FUNCTION_CANCELLED, FUNCTION_FAILED, FunctionDef
from workflows.engine.store import (
    EVENT_DEDUPE_WINDOW,
    Connection,
    add_job,
    finish_run,
    insert_event,
    load_run,
    new_id,
    save_memo,
)

_INSERT_RUN = insert(schema.runs)  # built once: building it costs more than running it


def make_event(name: str, data: dict[str, Any], now: float) -> dict[str, Any]:
    return {"id": new_id(), "name": name, "data": data, "ts": int(now * 1000)}


def _key(expression: str | None, event: dict[str, Any]) -> str:
    if expression is None:
        return ""
    value = expressions.evaluate(expression, event=event)
    return "" if value is None else str(value)


async def start_run(
    conn: Connection,
    fn: FunctionDef,
    event: dict[str, Any],
    now: float,
    *,
    parent: tuple[str, str] | None = None,
) -> str | None:
    """Create a run of `fn` for `event` and queue its first call; None when idempotency skips it."""
    if fn.idempotency and not await _claim_idempotency_key(conn, fn, event, now):
        return None
    starts_at = now
    throttle_key = None
    if fn.throttle is not None:
        throttle_key = f"{fn.id}:{_key(fn.throttle.key, event)}"
        key = expressions.key_value(fn.throttle.key, event)
        starts_at = await throttled_start(conn, fn, key, now)
    run_id = new_id()
    row = {
        "id": run_id,
        "function_id": fn.id,
        "event_id": event["id"],
        "event": event,
        "status": "Running",
        "concurrency": [
            [concurrency_slot(fn, index, event), rule.limit]
            for index, rule in enumerate(fn.concurrency)
        ],
        "throttle_key": throttle_key,
        "parent_run_id": parent[0] if parent else None,
        "parent_step_id": parent[1] if parent else None,
        "started_at": starts_at,
    }
    await conn.execute(_INSERT_RUN, row)
    call_at, payload = first_call(fn, event, starts_at, now)
    await add_job(conn, kind="call", run_id=run_id, available_at=call_at, payload=payload)
    await arm_start_timeout(conn, fn, run_id, now)
    return run_id


async def _claim_idempotency_key(
    conn: Connection, fn: FunctionDef, event: dict[str, Any], now: float
) -> bool:
    key = _key(fn.idempotency, event)
    table = schema.idempotency_keys
    where = (table.c.function_id == fn.id, table.c.key == key)
    created = (await conn.execute(select(table.c.created_at).where(*where))).scalar()
    if created is not None and created > now - EVENT_DEDUPE_WINDOW:
        return False
    if created is not None:
        await conn.execute(table.update().where(*where).values(created_at=now))
    else:
        await conn.execute(insert(table).values(function_id=fn.id, key=key, created_at=now))
    return True


async def end_run(
    conn: Connection,
    run: Row[Any],
    *,
    status: str,
    now: float,
    output: object = None,
    error: dict[str, Any] | None = None,
) -> None:
    """Finish a run once, then wake its invoker and announce a failure or a cancellation."""
    if not await finish_run(conn, run.id, status=status, at=now, output=output, error=error):
        return
    if run.parent_run_id:
        memo = {"error": error} if status != "Completed" else {"data": output}
        await resume(conn, run.parent_run_id, run.parent_step_id, memo, now, op="InvokeFunction")
    announced = _ANNOUNCED.get(status)
    # A failure handler's own end is not announced, as on Inngest: it could call itself.
    if announced is None or run.event.get("name") == FUNCTION_FAILED:
        return
    if status == "Cancelled":
        error = {"error": "function cancelled", "message": "function cancelled"}
    data = {
        "function_id": run.function_id,
        "run_id": run.id,
        "error": _as_inngest_error(error or {}),
        "event": run.event,
    }
    await queue_event(conn, make_event(announced, data, now), now)


# The system events a run's end sends, which functions (and `on_failure` handlers) trigger on.
_ANNOUNCED = {"Failed": FUNCTION_FAILED, "Cancelled": FUNCTION_CANCELLED}


def _as_inngest_error(error: dict[str, Any]) -> dict[str, str]:
    """`data.error` of `inngest/function.failed`: always error, name, message and stack."""
    name = str(error.get("name") or "Error")
    return {
        "error": str(error.get("error") or name),
        "name": name,
        "message": str(error.get("message") or ""),
        "stack": str(error.get("stack") or ""),
    }


async def queue_event(conn: Connection, event: dict[str, Any], now: float) -> None:
    seq = await insert_event(conn, event, now)
    await add_job(conn, kind="event", payload={"seq": seq}, available_at=now)


async def resume(
    conn: Connection, run_id: str, step_id: str, memo: object, now: float, *, op: str
) -> bool:
    """Record a step's result for a waiting run and queue its next call, once."""
    run = await load_run(conn, run_id)
    if run is None or run.status != "Running":
        return False
    name = groups.step_name(run.planned, step_id)
    if not await save_memo(
        conn, run_id=run_id, step_id=step_id, name=name, op=op, memo=memo, at=now
    ):
        return False
    if await groups.call_again(conn, run_id, run.planned is not None):
        await add_job(conn, kind="call", run_id=run_id, available_at=now)
    return True


async def latest_event_seq(conn: Connection) -> int:
    return int((await conn.execute(select(func.max(schema.events.c.seq)))).scalar() or 0)
