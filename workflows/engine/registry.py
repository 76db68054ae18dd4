"""Functions as an app registers them: triggers, retries, flow control and where to call them."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from workflows.engine import expressions
from workflows.engine.flow_config import FlowControl, whole_seconds

DEFAULT_RETRIES = 3
FUNCTION_CANCELLED = "inngest/function.cancelled"
FUNCTION_FAILED = "inngest/function.failed"
FUNCTION_INVOKED = "inngest/function.invoked"
SCHEDULED = "inngest/scheduled.timer"


class RegistrationError(ValueError):
    """A registration body the engine cannot accept; the message says why."""


@dataclass(frozen=True)
class Limit:
    """A concurrency or throttle rule: at most `limit` per key (a throttle also lets `burst`
    more start at once)."""

    limit: int
    key: str | None = None
    period: float = 0.0
    burst: int = 0
    scope: str = "fn"  # a concurrency limit may be shared: "env" or "account"


@dataclass(frozen=True)
class CancelRule:
    """Cancel a run on `event` (matching `expression`), within `timeout` of its start if set."""

    event: str
    expression: str | None = None
    timeout: float | None = None


@functools.lru_cache(maxsize=4096)  # asked at every step, mostly for the same few URLs
def _step_url(url: str, fn_id: str, target: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["fnId"] = fn_id
    query["stepId"] = target
    return urlunsplit(parts._replace(query=urlencode(query)))


@dataclass(frozen=True)
class FunctionDef:
    """One registered function, parsed and validated."""

    id: str
    app_name: str
    url: str
    events: tuple[tuple[str, str | None], ...] = ()
    crons: tuple[str, ...] = ()
    max_attempts: int = DEFAULT_RETRIES + 1
    idempotency: str | None = None
    concurrency: tuple[Limit, ...] = ()
    throttle: Limit | None = None
    cancel: tuple[CancelRule, ...] = ()
    flow: FlowControl = field(default_factory=FlowControl)
    config: dict[str, Any] = field(default_factory=dict, compare=False)

    def step_url(self, target: str) -> str:
        """The function's URL aimed at one step (`step` means no particular one)."""
        return _step_url(self.url, self.id, target)

    def triggered_by(self, event: dict[str, Any]) -> bool:
        return any(
            name == event["name"] and expressions.matches(expr, event=event)
            for name, expr in self.events
        )

    @classmethod
    def parse(cls, app_name: str, config: object) -> FunctionDef:
        if not isinstance(config, dict) or not isinstance(config.get("id"), str):
            raise RegistrationError("each function needs a string id")
        try:
            return cls._parse(app_name, config)
        except (KeyError, TypeError, ValueError) as err:
            raise RegistrationError(f"function {config['id']}: {err}") from err

    @classmethod
    def _parse(cls, app_name: str, config: dict[str, Any]) -> FunctionDef:
        step = config["steps"]["step"]
        events: list[tuple[str, str | None]] = []
        crons: list[str] = []
        for trigger in config.get("triggers") or []:
            if "event" in trigger:
                expression = trigger.get("expression")
                if expression:
                    expressions.check(expression)
                events.append((str(trigger["event"]), expression))
            elif "cron" in trigger:
                crons.append(str(trigger["cron"]))
            else:
                raise ValueError("a trigger needs an event or a cron")
        retries = (step.get("retries") or {}).get("attempts", DEFAULT_RETRIES)
        throttle = config.get("throttle")
        return cls(
            id=config["id"],
            app_name=app_name,
            url=str(step["runtime"]["url"]),
            events=tuple(events),
            crons=tuple(crons),
            max_attempts=int(retries) + 1,
            idempotency=config.get("idempotency") or None,
            concurrency=tuple(
                Limit(limit=int(c["limit"]), key=c.get("key"), scope=c.get("scope") or "fn")
                for c in config.get("concurrency") or []
            ),
            throttle=Limit(
                limit=int(throttle["limit"]),
                key=throttle.get("key"),
                period=whole_seconds(throttle["period"], "throttle period"),
                burst=int(throttle.get("burst") or 0),
            )
            if throttle
            else None,
            cancel=tuple(
                CancelRule(
                    event=str(c["event"]),
                    expression=c.get("if"),
                    timeout=whole_seconds(c["timeout"], "cancel timeout")
                    if c.get("timeout")
                    else None,
                )
                for c in config.get("cancel") or []
            ),
            flow=FlowControl.parse(config),
            config=config,
        )
