"""Calls a function over HTTP and applies what it answers, one committed transaction per reply."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Mapping
from typing import Any

import httpx
from sqlalchemy import Row, bindparam, update

from workflows.engine import groups, inference, schema
from workflows.engine.clock import Clock
from workflows.engine.flow_control import run_events
from workflows.engine.hot_runs import RESULT_OPS, HotRun, step_memo
from workflows.engine.protocol import (
    CallRequest,
    Op,
    ProtocolError,
    Reply,
    parse_duration,
    parse_reply,
    parse_time,
    sign,
    verify,
)
from workflows.engine.registry import FUNCTION_INVOKED, FunctionDef
from workflows.engine.runs import end_run, latest_event_seq, make_event, resume, start_run
from workflows.engine.store import Connection, Job, Store, add_job, delete_job, load_run, save_memo
from workflows.engine.transport import Transport, TransportError

log = logging.getLogger(__name__)
MAX_BACKOFF = 600.0
INFER_JOB = "ai-infer"
# Built once: they run at every step, and building a statement costs more than running it.
_DISCOVER_NEXT = (
    update(schema.jobs)
    .where(schema.jobs.c.id == bindparam("job_id"))
    .values(target="step", attempt=0, immediate=True, available_at=bindparam("due_at"))
)
_RETRY = (
    update(schema.jobs)
    .where(schema.jobs.c.id == bindparam("job_id"))
    .values(attempt=bindparam("next_attempt"), available_at=bindparam("due_at"))
)


def backoff(attempt: int) -> float:
    """Seconds before retry number `attempt + 1`: 1 s doubling, at most ten minutes."""
    return float(min(2.0**attempt, MAX_BACKOFF))


class RunEnded(Exception):
    """The run ended (cancelled) while its step ran: what the step did is not recorded."""


class Executor:
    """Runs `call` jobs: one HTTP request to the function, then its reply applied atomically."""

    def __init__(
        self,
        *,
        store: Store,
        functions: Mapping[str, FunctionDef],
        http: Transport,
        model_http: httpx.AsyncClient,
        clock: Clock,
        signing_key: str | None,
    ) -> None:
        self._store = store
        self._functions = functions
        self._http = http
        self._model_http = model_http
        self._clock = clock
        self._signing_key = signing_key
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    async def call(self, job: Job) -> None:
        """Run the job's function until it waits, sleeps, ends or must retry later."""
        next_job: Job | None = job
        hot: HotRun | None = None
        while next_job is not None:
            next_job, hot = await self._call_once(next_job, hot)

    async def infer(self, job: Job) -> None:
        """Make a run's model call (`step.ai.infer`); its answer is the step's result."""
        run = await self._store.run(job.run_id or "")
        fn = self._functions.get(run.function_id) if run is not None else None
        answer = None
        if run is not None and run.status == "Running":
            answer = await inference.infer(self._model_http, job.payload["request"])
        lock = self._locks.setdefault(job.run_id or "", asyncio.Lock())
        async with lock, self._store.transaction() as conn:
            now = self._clock.now()
            max_attempts = fn.max_attempts if fn else 1
            if answer is not None and answer.failed and job.attempt + 1 < max_attempts:
                await self._retry(conn, job, now + backoff(job.attempt))
                return
            if await delete_job(conn, job.id) and answer is not None:
                step_id = job.payload["step_id"]
                await resume(conn, job.run_id or "", step_id, answer.memo, now, op="AIGateway")

    async def _call_once(self, job: Job, hot: HotRun | None) -> tuple[Job | None, HotRun | None]:
        assert job.run_id is not None
        if hot is not None:
            run, memos = hot.run, hot.memos
        else:
            if job.payload.get("memo") and not await self._save_pending_memo(job):
                return None, None
            loaded = await self._store.run(job.run_id)
            if loaded is None or loaded.status != "Running":
                async with self._store.transaction() as conn:
                    await delete_job(conn, job.id)
                return None, None
            run = loaded
            memos = {memo.id: memo.memo for memo in await self._store.memos(run.id)}
        fn = self._functions.get(run.function_id)
        if fn is None:
            reply = Reply(kind="error", error={"name": "FunctionNotFound"}, retriable=False)
        else:
            request = CallRequest(
                run_id=run.id,
                event=run.event,
                memos=memos,
                stack=list(memos),
                attempt=job.attempt,
                max_attempts=fn.max_attempts,
                disable_immediate_execution=not job.immediate,
                events=await run_events(self._store, run.id) if fn.flow.batch else None,
            )
            reply = await self._send(fn.step_url(job.target), request)
        lock = self._locks.setdefault(run.id, asyncio.Lock())
        # A run read just now is as current as one this job committed (a hot run).
        known = hot or HotRun(run=run, memos=memos)
        lone = known.lone_result(job, reply, fn.max_attempts) if fn else None
        if lone is not None:
            async with lock:
                now = self._clock.now()
                if await self._store.record_step(
                    job.id,
                    run_id=run.id,
                    step_id=lone.id,
                    name=lone.display_name or lone.name,
                    op=lone.op,
                    memo=step_memo(lone),
                    at=now,
                ):
                    return _step_job(job, now), HotRun.after(run, memos, reply)
            # The run ended meanwhile, or the step has a result: the transaction below sorts it out.
        try:
            async with lock, self._store.transaction() as conn:
                current = run
                if hot is None or not hot.may_apply(reply):
                    latest = await load_run(conn, run.id)
                    if latest is None or latest.status != "Running":
                        await delete_job(conn, job.id)
                        return None, None
                    current = latest
                next_job = await self._apply(conn, job, current, fn, reply)
        except RunEnded:
            return None, None
        return next_job, HotRun.after(current, memos, reply) if next_job else None

    async def _save_pending_memo(self, job: Job) -> bool:
        """A timer's result is committed before the call that consumes it; False when the
        call waits for the rest of the timer's group (the job is then done)."""
        memo = job.payload["memo"]
        run_id = job.run_id or ""
        lock = self._locks.setdefault(run_id, asyncio.Lock())
        async with lock, self._store.transaction() as conn:
            await save_memo(
                conn,
                run_id=run_id,
                step_id=memo["id"],
                name=memo.get("name"),
                op=memo["op"],
                memo=None,
                at=self._clock.now(),
            )
            if not await groups.call_again(conn, run_id, True):
                await delete_job(conn, job.id)
                return False
            await conn.execute(
                update(schema.jobs).where(schema.jobs.c.id == job.id).values(payload=None)
            )
            return True

    async def _send(self, url: str, request: CallRequest) -> Reply:
        body = request.body()
        headers = {"content-type": "application/json", "x-inngest-server-kind": "dev"}
        if self._signing_key:
            headers["x-inngest-server-kind"] = "cloud"
            headers["x-inngest-signature"] = sign(body, self._signing_key, int(self._clock.now()))
        try:
            response = await self._http.request("POST", url, content=body, headers=headers)
        except TransportError as err:
            return Reply(kind="error", error={"name": err.kind, "message": str(err)})
        if self._signing_key and not verify(
            response.content, response.headers.get("x-inngest-signature"), self._signing_key
        ):
            message = f"reply {response.status} is not signed with the signing key"
            return Reply(kind="error", error={"name": "SignatureError", "message": message})
        try:
            return parse_reply(
                response.status, response.headers, response.content, self._clock.now()
            )
        except ProtocolError as err:
            return Reply(kind="error", error={"name": "ProtocolError", "message": str(err)})

    async def _apply(
        self,
        conn: Connection,
        job: Job,
        run: Row[Any],
        fn: FunctionDef | None,
        reply: Reply,
    ) -> Job | None:
        now = self._clock.now()
        max_attempts = fn.max_attempts if fn else 1
        if reply.kind == "done":
            await end_run(conn, run, status="Completed", now=now, output=reply.output)
            return None
        if reply.kind == "error":
            if reply.retriable and job.attempt + 1 < max_attempts:
                await self._retry(conn, job, reply.retry_at or now + backoff(job.attempt))
            else:
                await end_run(conn, run, status="Failed", now=now, error=reply.error)
            return None
        results: list[Op] = []
        handed: list[Op] = []
        for op in reply.ops:
            if op.op == "StepError" and reply.retriable and job.attempt + 1 < max_attempts:
                await self._retry(conn, job, now + backoff(job.attempt))
                return None
            (results if op.op in RESULT_OPS else handed).append(op)
        for op in results:
            await self._save_result(conn, run, op, now)
        # Every op of the reply is carried out now, in this transaction: a wait beside a planned
        # step is registered before that step runs, not when the function reports it again.
        for op in await groups.take_new(conn, run.id, handed):
            await self._hand_over(conn, run, op, now)
        grouped = run.planned is not None or bool(handed)
        if not results or not await groups.call_again(conn, run.id, grouped):
            await delete_job(conn, job.id)
            return None
        return await self._next_discovery(conn, job, now)

    async def _save_result(self, conn: Connection, run: Row[Any], op: Op, now: float) -> None:
        name = op.display_name or op.name
        memo = step_memo(op)
        await save_memo(conn, run_id=run.id, step_id=op.id, name=name, op=op.op, memo=memo, at=now)

    async def _hand_over(self, conn: Connection, run: Row[Any], op: Op, now: float) -> None:
        """Start what an op asks of the engine; its result is recorded when it ends."""
        if op.op == "StepPlanned":
            await add_job(
                conn, kind="call", run_id=run.id, target=op.id, immediate=False, available_at=now
            )
        elif op.op == "Sleep":
            memo = {"id": op.id, "op": "Sleep", "name": op.display_name or op.name}
            await add_job(
                conn,
                kind="call",
                run_id=run.id,
                available_at=parse_time(op.name or ""),
                payload={"memo": memo},
            )
        elif op.op == "WaitForEvent":
            await self._wait(conn, run, op, now)
        elif op.op == "InvokeFunction":
            await self._invoke(conn, run, op, now)
        elif op.op == "AIGateway":
            payload = {"step_id": op.id, "request": op.opts}
            await add_job(conn, kind=INFER_JOB, run_id=run.id, payload=payload, available_at=now)

    async def _wait(self, conn: Connection, run: Row[Any], op: Op, now: float) -> None:
        result = await conn.execute(
            schema.pauses.insert().values(
                run_id=run.id,
                step_id=op.id,
                event_name=op.name or "",
                expression=op.opts.get("if"),
                after_seq=await latest_event_seq(conn),
                expires_at=now + parse_duration(str(op.opts.get("timeout", "1y"))),
            )
        )
        key = result.inserted_primary_key
        assert key is not None
        await add_job(
            conn,
            kind="wait-timeout",
            run_id=run.id,
            payload={"pause_id": int(key[0]), "step_id": op.id},
            available_at=now + parse_duration(str(op.opts.get("timeout", "52w"))),
        )

    async def _invoke(self, conn: Connection, run: Row[Any], op: Op, now: float) -> None:
        target = self._functions.get(str(op.opts.get("function_id")))
        if target is None:
            error = {"name": "FunctionNotFound", "message": f"{op.opts.get('function_id')}"}
            name = op.display_name or op.name
            await save_memo(
                conn,
                run_id=run.id,
                step_id=op.id,
                name=name,
                op=op.op,
                memo={"error": error},
                at=now,
            )
            if await groups.call_again(conn, run.id, True):
                await add_job(conn, kind="call", run_id=run.id, available_at=now)
            return
        payload = op.opts.get("payload") or {}
        data = dict(payload.get("data") or {})
        data["_inngest"] = {"source_app_id": run.function_id, "source_run_id": run.id}
        event = make_event(FUNCTION_INVOKED, data, now)
        await start_run(conn, target, event, now, parent=(run.id, op.id))
        if op.opts.get("timeout"):
            await add_job(
                conn,
                kind="invoke-timeout",
                run_id=run.id,
                payload={"step_id": op.id},
                available_at=now + parse_duration(str(op.opts["timeout"])),
            )

    async def _next_discovery(self, conn: Connection, job: Job, now: float) -> Job | None:
        if not (await conn.execute(_DISCOVER_NEXT, {"job_id": job.id, "due_at": now})).rowcount:
            raise RunEnded  # ending the run removed its jobs; roll back the step results
        return _step_job(job, now)

    async def _retry(self, conn: Connection, job: Job, at: float) -> None:
        values = {"job_id": job.id, "next_attempt": job.attempt + 1, "due_at": at}
        await conn.execute(_RETRY, values)


def _step_job(job: Job, now: float) -> Job:
    """The job's next call: run the function on, to discover its next step."""
    return Job(
        id=job.id,
        kind="call",
        run_id=job.run_id,
        target="step",
        attempt=0,
        immediate=True,
        payload={},
        available_at=now,
    )
