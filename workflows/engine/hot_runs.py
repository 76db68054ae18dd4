"""What a job knows of its run between calls, so that a plain step needs no read of the run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row

from workflows.engine.protocol import Op, Reply
from workflows.engine.store import Job

# Ops that carry a step's result; the others hand the engine something to do first.
RESULT_OPS = frozenset({"StepRun", "StepError", "StepFailed"})


def step_memo(op: Op) -> dict[str, Any]:
    """What a step's result is remembered as, and handed back to the function."""
    return {"data": op.data} if op.op == "StepRun" else {"error": op.error}


@dataclass(frozen=True)
class HotRun:
    """A run as one job last committed it, for that job's next call: saves reading the run
    and its memos back from the database at every step."""

    run: Row[Any]
    memos: dict[str, Any]  # step id -> memo, in the order the steps ended

    @classmethod
    def after(cls, run: Row[Any], memos: dict[str, Any], reply: Reply) -> HotRun | None:
        """The run once `reply` is applied, when this job is the only writer of its memos:
        the reply carried step results alone and no parallel steps are pending. Otherwise
        (waits, timers, parallel calls of the same run) the next call reads the database."""
        if run.planned or reply.kind != "ops":
            return None
        results = {}
        for op in reply.ops:
            if op.op not in RESULT_OPS or op.id in memos:
                return None
            results[op.id] = step_memo(op)
        return cls(run=run, memos={**memos, **results})

    def lone_result(self, job: Job, reply: Reply, max_attempts: int) -> Op | None:
        """The reply's step result when it can be recorded by itself (`Store.record_step`):
        the only op of the reply, a result to keep rather than retry, for a job whose row
        already asks for the next step, as `Executor._next_discovery` would leave it."""
        if reply.kind != "ops" or len(reply.ops) != 1 or self.run.planned:
            return None
        op = reply.ops[0]
        if op.op not in RESULT_OPS or op.id in self.memos:
            return None
        if op.op == "StepError" and reply.retriable and job.attempt + 1 < max_attempts:
            return None
        return op if (job.target, job.attempt, job.immediate) == ("step", 0, True) else None

    @staticmethod
    def may_apply(reply: Reply) -> bool:
        """Whether the reply can be applied to the run as remembered, without reading it
        again: it ends the run (which checks the run is still running) or records step
        results (whose job update finds the job gone if the run ended meanwhile)."""
        return reply.kind != "ops" or all(op.op in RESULT_OPS for op in reply.ops)
