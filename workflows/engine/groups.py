"""The ops a run has handed to the engine and not yet seen end: when to call the function again.

A 206 reply may carry several ops at once (a parallel group: planned steps beside sleeps, waits,
invokes and model calls). Each is carried out once, however often the function reports it again,
and the function is called again when all of them have ended, or, in `race` mode, whenever one
has. The group lives in the run's `planned` column with each op's name, for the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update

from workflows.engine import schema
from workflows.engine.protocol import Op
from workflows.engine.store import Connection

RACE = "race"


@dataclass
class Group:
    steps: dict[str, str | None] = field(default_factory=dict)  # step id -> name
    race: bool = False

    @classmethod
    def load(cls, planned: object) -> Group | None:
        if isinstance(planned, list):  # a bare list of planned step ids, as older engines kept it
            return cls(steps=dict.fromkeys(planned))
        if isinstance(planned, dict):
            return cls(steps=dict(planned.get("steps") or {}), race=bool(planned.get("race")))
        return None

    def dump(self) -> dict[str, Any]:
        return {"steps": self.steps, "race": self.race}


def step_name(planned: object, step_id: str) -> str | None:
    """The name the function gave a step it handed to the engine, if the group still has it."""
    group = Group.load(planned)
    return group.steps.get(step_id) if group else None


async def _locked_group(conn: Connection, run_id: str) -> Group | None:
    # Locked, so that two steps of a group ending at once cannot both see the other unfinished.
    query = select(schema.runs.c.planned).where(schema.runs.c.id == run_id).with_for_update()
    return Group.load((await conn.execute(query)).scalar())


async def take_new(conn: Connection, run_id: str, ops: Iterable[Op]) -> list[Op]:
    """Add ops to the run's group; return those it did not hold yet, to be carried out once."""
    ops = list(ops)
    if not ops:
        return []
    group = await _locked_group(conn, run_id) or Group()
    new = [op for op in ops if op.id not in group.steps]
    if not new:
        return []
    for op in new:
        group.steps[op.id] = op.display_name or op.name
        group.race |= op.opts.get("parallelMode") == RACE
    await conn.execute(
        update(schema.runs).where(schema.runs.c.id == run_id).values(planned=group.dump())
    )
    return new


async def call_again(conn: Connection, run_id: str, maybe_grouped: bool) -> bool:
    """Once a step of the run has its result: whether the function is to be called now.

    `maybe_grouped` False (the run had no group when its row was read, and nothing was handed
    over since) spares the look-up on the path of plain sequential steps."""
    if not maybe_grouped:
        return True
    group = await _locked_group(conn, run_id)
    if group is None:
        return True
    query = select(schema.steps.c.id).where(
        schema.steps.c.run_id == run_id, schema.steps.c.id.in_(list(group.steps))
    )
    if len((await conn.execute(query)).all()) < len(group.steps):
        return group.race
    await conn.execute(update(schema.runs).where(schema.runs.c.id == run_id).values(planned=None))
    return True
