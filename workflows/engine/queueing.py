"""When a new run's first call is due: throttle (GCRA with burst), priority, run timeouts; and the
flow-control state rows they keep."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, delete, insert, select, update

from workflows.engine import expressions, schema
from workflows.engine.flow_config import PRIORITY_RANGE
from workflows.engine.registry import FunctionDef
from workflows.engine.store import Connection, add_job

# A run with only a finish timeout still gets a start marker job; it is due in ten years.
NEVER_SECONDS = 10 * 365 * 86400.0
START_TIMEOUT = "start-timeout"
FINISH_TIMEOUT = "finish-timeout"


async def load_state(conn: Connection, function_id: str, kind: str, key: str) -> Row[Any] | None:
    table = schema.flow_state
    query = select(table).where(
        table.c.function_id == function_id, table.c.kind == kind, table.c.key == key
    )
    return (await conn.execute(query)).first()


async def save_state(
    conn: Connection,
    function_id: str,
    kind: str,
    key: str,
    *,
    at: float | None = None,
    run_id: str | None = None,
    payload: object = None,
) -> None:
    """Insert or replace one state row. Callers hold the dispatch lock, so no two race."""
    table = schema.flow_state
    values = {"at": at, "run_id": run_id, "payload": payload}
    where = (table.c.function_id == function_id, table.c.kind == kind, table.c.key == key)
    if not (await conn.execute(update(table).where(*where).values(**values))).rowcount:
        await conn.execute(
            insert(table).values(function_id=function_id, kind=kind, key=key, **values)
        )


async def drop_state(conn: Connection, function_id: str, kind: str, key: str) -> None:
    table = schema.flow_state
    await conn.execute(
        delete(table).where(
            table.c.function_id == function_id, table.c.kind == kind, table.c.key == key
        )
    )


async def throttled_start(conn: Connection, fn: FunctionDef, key: str, now: float) -> float:
    """The start time GCRA gives this run: `limit + burst` start at once, then one each
    `period / limit`; runs over the limit are queued in order, never dropped."""
    assert fn.throttle is not None
    emission = fn.throttle.period / fn.throttle.limit
    tolerance = emission * (fn.throttle.limit + fn.throttle.burst)
    row = await load_state(conn, fn.id, "throttle", key)
    arrival = max(row.at if row is not None and row.at is not None else now, now) + emission
    await save_state(conn, fn.id, "throttle", key, at=arrival)
    return max(now, arrival - tolerance)


def concurrency_slot(fn: FunctionDef, index: int, event: dict[str, Any]) -> str:
    """What a concurrency limit counts under: this function's rule and key, or, for scope `env`
    or `account` (one engine is one environment), the key alone, shared by every function."""
    rule = fn.concurrency[index]
    value = expressions.key_value(rule.key, event)
    return f"{fn.id}:{index}:{value}" if rule.scope == "fn" else f"shared:{value}"


def first_call(
    fn: FunctionDef, event: dict[str, Any], starts_at: float, now: float
) -> tuple[float, dict[str, Any] | None]:
    """When a new run's first call is queued, and what the job carries.

    Priority moves the call `factor` seconds ahead of calls queued without one (or behind, when
    negative), which decides who goes first when a concurrency limit holds runs back."""
    due = starts_at
    if fn.flow.priority:
        value = expressions.evaluate(fn.flow.priority, event=event)
        number = value if isinstance(value, int | float) and not isinstance(value, bool) else 0
        factor = max(-PRIORITY_RANGE, min(PRIORITY_RANGE, int(number)))
        if factor < 0:
            due = starts_at - factor
        elif starts_at <= now:  # never ahead of a throttle's slot
            due = now - factor
    return due, ({"first": True} if fn.flow.timeouts else None)


async def arm_start_timeout(conn: Connection, fn: FunctionDef, run_id: str, now: float) -> None:
    """A job that cancels the run unless its first call takes it away first."""
    timeouts = fn.flow.timeouts
    if timeouts is None:
        return
    due = now + (timeouts.start if timeouts.start is not None else NEVER_SECONDS)
    await add_job(conn, kind=START_TIMEOUT, run_id=run_id, available_at=due)
