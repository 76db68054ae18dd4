"""Runs' timelines as the item page shows them: steps, waits and retries, with their times.

Read from the embedded engine's `GET /v1/runs/{id}/timeline`. Inngest Cloud and a self-hosted
Inngest have no such endpoint; there the page shows each run's status and points to Inngest's UI.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from console.doctor.durable import EngineApi
from console.web.rendering import pretty_json, when
from workflows.config import Settings
from workflows.engine.protocol import hashed_signing_key

_TIMEOUT = 3.0
# What a run waits for, as a reviewer would say it.
_WAITED_FOR = {"action/decided": "a decision"}
_NOTHING_YET = "nothing arrived yet: the run looks again and waits on"


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a timeline: when (epoch seconds, None for what is still ahead), what, how."""

    at: float | None
    kind: str  # step | wait | retry | failed | run
    label: str
    detail: str = ""


@dataclass(frozen=True)
class Timeline:
    title: str
    run_id: str
    status: str | None = None
    entries: list[TimelineEntry] = field(default_factory=list)
    unavailable: str | None = None


async def load_timelines(settings: Settings, *, run_id: str, action_id: str) -> list[Timeline]:
    """The run that proposed the action, then the approval runs (triggered by the action's id).

    Never raises: a page with the engine down still shows everything else.
    """
    api = EngineApi.from_settings(settings)
    async with httpx.AsyncClient(timeout=_TIMEOUT, headers=_headers(settings, api)) as http:
        timelines = [await _timeline(http, api, settings, "Handling the message", run_id)]
        try:
            response = await http.get(f"{api.url}/v1/events/{action_id}/runs")
            response.raise_for_status()
            approval_runs = [str(run["run_id"]) for run in response.json()["data"]]
        except (httpx.HTTPError, KeyError, TypeError, ValueError):
            approval_runs = []
        for approval_run in approval_runs:
            timelines.append(await _timeline(http, api, settings, "The approval", approval_run))
    return timelines


async def _timeline(
    http: httpx.AsyncClient, api: EngineApi, settings: Settings, title: str, run_id: str
) -> Timeline:
    try:
        response = await http.get(f"{api.url}/v1/runs/{run_id}/timeline")
        if response.status_code == 404 and not settings.embedded_engine:
            return await _status_only(http, api, title, run_id)
        response.raise_for_status()
        data = response.json()["data"]
        return Timeline(
            title=title, run_id=run_id, status=data["run"]["status"], entries=entries_of(data)
        )
    except (httpx.HTTPError, KeyError, TypeError, ValueError) as error:
        reason = f"the engine did not answer: {type(error).__name__}"
        return Timeline(title=title, run_id=run_id, unavailable=reason)


async def _status_only(
    http: httpx.AsyncClient, api: EngineApi, title: str, run_id: str
) -> Timeline:
    response = await http.get(f"{api.url}/v1/runs/{run_id}")
    response.raise_for_status()
    status = response.json().get("data", {}).get("status")
    where = f"step detail is in {api.kind}'s own dashboard"
    return Timeline(title=title, run_id=run_id, status=status, unavailable=where)


def entries_of(data: dict[str, Any]) -> list[TimelineEntry]:
    """Started, each finished step, current waits and queued retries, then the end; in order."""
    run = data["run"]
    entries = [TimelineEntry(at=run.get("run_started_at"), kind="run", label="run started")]
    entries += [_step_entry(step) for step in data.get("steps", [])]
    for wait in data.get("waits", []):
        waited_for = _WAITED_FOR.get(wait["event"], wait["event"])
        entries.append(
            TimelineEntry(
                at=None,
                kind="wait",
                label=f"waiting for {waited_for}",
                detail=f"until {when(wait['expires_at'])}",
            )
        )
    for job in data.get("scheduled", []):
        if job["kind"] == "call" and job["attempt"] > 0:
            entries.append(
                TimelineEntry(
                    at=None,
                    kind="retry",
                    label=f"retry {job['attempt']} scheduled",
                    detail=f"at {when(job['at'])}",
                )
            )
    if run.get("ended_at") is not None:
        failed = run["status"] == "Failed"
        entries.append(
            TimelineEntry(
                at=run["ended_at"],
                kind="failed" if failed else "run",
                label=f"run {run['status'].lower()}",
                detail=_reason(run.get("output")) if failed else "",
            )
        )
    return entries


def _reason(error: Any) -> str:
    """Why a run failed, from the error it ended with: "name: message", or the text itself."""
    if isinstance(error, dict):
        parts = (error.get("name"), error.get("message"))
        return ": ".join(str(part) for part in parts if part) or pretty_json(error)
    return "" if error is None else str(error)


def _step_entry(step: dict[str, Any]) -> TimelineEntry:
    name = step.get("name") or step["op"]
    if step["op"] == "WaitForEvent":
        # A wait that ends without its event is a planned check (a reminder, the deadline),
        # not an error: the run reads the row again and waits on if nothing was decided.
        event = step.get("event")
        named = step.get("name")
        if event:
            got = _WAITED_FOR.get(event, event)
            return TimelineEntry(
                at=step["at"], kind="wait", label=f"received {got}", detail=named or ""
            )
        detail = f"{named}: {_NOTHING_YET}" if named else _NOTHING_YET
        return TimelineEntry(at=step["at"], kind="wait", label="wait over", detail=detail)
    if step["op"] == "Sleep":
        return TimelineEntry(at=step["at"], kind="wait", label=f"slept: {name}")
    if "error" in step:
        error = step["error"] or {}
        detail = ": ".join(str(part) for part in (error.get("name"), error.get("message")) if part)
        return TimelineEntry(at=step["at"], kind="failed", label=f"{name} failed", detail=detail)
    return TimelineEntry(at=step["at"], kind="step", label=name)


def _headers(settings: Settings, api: EngineApi) -> dict[str, str]:
    # The embedded engine, like Inngest, takes the hashed signing key as its bearer token.
    if settings.embedded_engine and settings.engine_signing_key:
        return {"Authorization": f"Bearer {hashed_signing_key(settings.engine_signing_key)}"}
    return api.headers
