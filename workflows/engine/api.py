"""The engine's HTTP API: Inngest's event API, app registration and the runs REST API."""

from __future__ import annotations

import hmac
import json
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from sqlalchemy import Row, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from workflows.engine import schema
from workflows.engine.flow_control import run_events as batched_events
from workflows.engine.protocol import hashed_signing_key
from workflows.engine.registry import FunctionDef, RegistrationError

if TYPE_CHECKING:
    from workflows.engine.engine import Engine

MAX_BODY_BYTES = 3 * 1024 * 1024
# The dev server takes each event up to 3 MiB and streams a request of many: a batch of eight
# 1 MiB events fits in one POST here too, and the whole request stays bounded.
MAX_EVENT_BYTES = 3 * 1024 * 1024
MAX_EVENTS_BODY_BYTES = 16 * 1024 * 1024
Params = Mapping[str, Any]
Loader = Callable[[Params], Awaitable[Any]]
Endpoint = Callable[[Request], Awaitable[JSONResponse]]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "status": status}, status_code=status)


async def _json_body(request: Request, limit: int = MAX_BODY_BYTES) -> Any:
    # Counted while it streams in: a huge body is refused before it fills memory.
    declared = request.headers.get("content-length", "0")
    if not declared.isdigit():
        raise _BadRequest(400, "content-length must be a number")
    if int(declared) > limit:
        raise _BadRequest(413, "body too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise _BadRequest(413, "body too large")
    try:
        return json.loads(body)
    except ValueError as err:
        raise _BadRequest(400, f"body is not valid JSON: {err}") from err


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def _validate_events(payload: Any) -> list[dict[str, Any]]:
    events = payload if isinstance(payload, list) else [payload]
    if not events:
        raise _BadRequest(400, "no events in body")
    for index, event in enumerate(events):
        where = f"event {index}"
        if not isinstance(event, dict):
            raise _BadRequest(400, f"{where}: must be an object")
        if not isinstance(event.get("name"), str) or not event["name"]:
            raise _BadRequest(400, f"{where}: name must be a non-empty string")
        if not isinstance(event.get("data", {}), dict):
            raise _BadRequest(400, f"{where}: data must be an object")
        if "id" in event and (not isinstance(event["id"], str) or not event["id"]):
            raise _BadRequest(400, f"{where}: id must be a non-empty string")
        if "ts" in event and not isinstance(event["ts"], int):
            raise _BadRequest(400, f"{where}: ts must be an integer (ms)")
        if len(json.dumps(event)) > MAX_EVENT_BYTES:
            raise _BadRequest(413, f"{where}: larger than {MAX_EVENT_BYTES} bytes")
    return events


def run_json(row: Row[Any]) -> dict[str, Any]:
    """A run shaped like Inngest's REST API."""
    return {
        "run_id": row.id,
        "function_id": row.function_id,
        "event_id": row.event_id,
        "status": row.status,
        "output": row.output if row.status == "Completed" else row.error,
        "run_started_at": row.started_at,
        "ended_at": row.ended_at,
    }


def _step_json(row: Row[Any]) -> dict[str, Any]:
    """A finished step without its data (outputs may be large or private): what, when, how."""
    memo = row.memo if isinstance(row.memo, dict) else None
    entry: dict[str, Any] = {"id": row.id, "name": row.name, "op": row.op, "at": row.at}
    if row.op == "WaitForEvent":
        entry["event"] = memo.get("name") if memo else None  # None: the wait timed out
    elif memo is not None and "error" in memo:
        error = memo["error"] if isinstance(memo["error"], dict) else {}
        entry["error"] = {"name": error.get("name"), "message": error.get("message")}
    return entry


async def _timeline(engine: Engine, run_id: str) -> dict[str, Any] | None:
    """The run, its finished steps in order, the waits it is in, and its queued calls."""
    run = await engine.store.run(run_id)
    if run is None:
        return None
    async with engine.store.engine.connect() as conn:
        pauses = await conn.execute(select(schema.pauses).where(schema.pauses.c.run_id == run_id))
        jobs = await conn.execute(select(schema.jobs).where(schema.jobs.c.run_id == run_id))
        waits = [
            {"step_id": p.step_id, "event": p.event_name, "expires_at": p.expires_at}
            for p in pauses
        ]
        scheduled = [
            {"kind": j.kind, "target": j.target, "attempt": j.attempt, "at": j.available_at}
            for j in jobs
        ]
    steps = [_step_json(row) for row in await engine.store.memos(run_id)]
    return {"run": run_json(run), "steps": steps, "waits": waits, "scheduled": scheduled}


async def _event(engine: Engine, event_id: str) -> dict[str, Any] | None:
    """An event as it was sent, with when the engine received it. The events the engine makes
    itself (an invoke's, a cron's) are known from the run they started."""
    query = select(schema.events.c.payload, schema.events.c.received_at).where(
        schema.events.c.id == event_id
    )
    async with engine.store.engine.connect() as conn:
        row = (await conn.execute(query)).first()
    if row is not None:
        return {**row.payload, "received_at": row.received_at}
    runs = await engine.store.runs_for_event(event_id)
    return {**runs[0].event, "received_at": runs[0].started_at} if runs else None


def _bearer_hash(header: str) -> str:
    # SDKs send the hashed key bare (Python) or with its `signkey-<env>-` prefix (Go, JS).
    token = header.removeprefix("Bearer ")
    return re.sub(r"^signkey-\w+-", "", token)


def _endpoint(url: str) -> tuple[str, str, int | None, str]:
    parts = urlsplit(url)
    return (parts.scheme, (parts.hostname or "").lower(), parts.port, parts.path.rstrip("/"))


def _foreign_urls(body: dict[str, Any], functions: list[FunctionDef], apps: list[str]) -> set[str]:
    """The URLs a registration points at that are none of the engine's apps."""
    allowed = {_endpoint(url) for url in apps}
    urls = {fn.url for fn in functions}
    if isinstance(body.get("url"), str):
        urls.add(body["url"])
    return {url for url in urls if _endpoint(url) not in allowed}


def create_api(engine: Engine) -> Starlette:
    def authorized(request: Request) -> bool:
        if not engine.signing_key:
            return True
        presented = _bearer_hash(request.headers.get("authorization", ""))
        return hmac.compare_digest(presented, hashed_signing_key(engine.signing_key))

    async def send_events(request: Request) -> JSONResponse:
        key = request.path_params["event_key"]
        if engine.event_key and not hmac.compare_digest(key, engine.event_key):
            return _error(401, "event key not recognised")
        try:
            events = _validate_events(await _json_body(request, MAX_EVENTS_BODY_BYTES))
        except _BadRequest as err:
            return _error(err.status, str(err))
        return JSONResponse({"ids": await engine.accept_events(events), "status": 200})

    async def register(request: Request) -> JSONResponse:
        if not authorized(request):
            return _error(401, "registration must carry the app's signing key")
        try:
            body = await _json_body(request)
            if not isinstance(body, dict) or not isinstance(body.get("appname"), str):
                raise _BadRequest(400, "appname must be a string")
            raw_functions = body.get("functions")
            if not isinstance(raw_functions, list):
                raise _BadRequest(400, "functions must be a list")
            functions = [FunctionDef.parse(body["appname"], fn) for fn in raw_functions]
        except _BadRequest as err:
            return _error(err.status, str(err))
        except RegistrationError as err:
            return _error(400, str(err))
        # A registration decides where customer data is sent: only the configured app may.
        foreign = _foreign_urls(body, functions, engine.app_urls) if engine.app_urls else set()
        if foreign:
            return _error(403, f"not an app this engine serves: {sorted(foreign)}")
        await engine.register(body["appname"], functions)
        return JSONResponse({"ok": True, "modified": True})

    async def event(params: Params) -> Any:
        return await _event(engine, params["event_id"])

    async def timeline(params: Params) -> Any:
        return await _timeline(engine, params["run_id"])

    def reading(load: Loader, missing: str, *, bare: bool = False) -> Endpoint:
        """A GET for callers holding the signing key: `{data}`, or the value bare, or 404."""

        async def endpoint(request: Request) -> JSONResponse:
            if not authorized(request):
                return _error(401, "unauthorized")
            found = await load(request.path_params)
            if found is None:
                return _error(404, f"{missing} not found")
            return JSONResponse(found if bare else {"data": found})

        return endpoint

    async def event_runs(params: Params) -> Any:
        rows = await engine.store.runs_for_event(params["event_id"])
        return [run_json(row) for row in rows]

    async def get_run(params: Params) -> Any:
        row = await engine.store.run(params["run_id"])
        return None if row is None else run_json(row)

    async def cancel_run(request: Request) -> JSONResponse:
        if not authorized(request):
            return _error(401, "unauthorized")
        run_id = request.path_params["run_id"]
        if not await engine.cancel(run_id):
            return _error(404, "run not found")
        row = await engine.store.run(run_id)
        assert row is not None
        return JSONResponse({"data": run_json(row)})

    async def run_events(params: Params) -> Any:
        row = await engine.store.run(params["run_id"])
        if row is None:
            return None
        return await batched_events(engine.store, row.id) or [row.event]

    async def run_steps(params: Params) -> Any:
        if await engine.store.run(params["run_id"]) is None:
            return None
        return {memo.id: memo.memo for memo in await engine.store.memos(params["run_id"])}

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"ok": True, "functions": len(engine.functions)})

    return Starlette(
        routes=[
            Route("/e/{event_key}", send_events, methods=["POST"]),
            Route("/fn/register", register, methods=["POST"]),
            Route("/v1/events/{event_id}", reading(event, "event"), methods=["GET"]),
            Route("/v1/events/{event_id}/runs", reading(event_runs, "event"), methods=["GET"]),
            Route("/v1/runs/{run_id}", reading(get_run, "run"), methods=["GET"]),
            Route("/v1/runs/{run_id}", cancel_run, methods=["DELETE"]),
            # Not in Inngest's API: the embedded engine's own view of a run, for the console.
            Route("/v1/runs/{run_id}/timeline", reading(timeline, "run"), methods=["GET"]),
            # What the SDK reads when a call says `use_api`: the run's events and its steps'
            # memos by step id, both bare.
            Route("/v0/runs/{run_id}/batch", reading(run_events, "run", bare=True)),
            Route("/v0/runs/{run_id}/actions", reading(run_steps, "run", bare=True)),
            Route("/health", health, methods=["GET"]),
        ]
    )
