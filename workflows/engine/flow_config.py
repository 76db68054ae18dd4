"""Dispatch-level flow control as a function registers it: singleton, debounce, batching, rate
limit, priority and run timeouts. Durations are whole seconds, as Inngest requires."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflows.engine import expressions
from workflows.engine.protocol import parse_duration

# Inngest accepts priority factors from -600 to 600 seconds by default.
PRIORITY_RANGE = 600


def whole_seconds(value: object, what: str) -> float:
    """A duration of at least one whole second, or ValueError naming `what`."""
    seconds = parse_duration(str(value))
    if seconds < 1 or seconds != int(seconds):
        raise ValueError(f"{what} must be a whole number of seconds, at least 1s: {value!r}")
    return seconds


def _key(config: dict[str, Any]) -> str | None:
    key = config.get("key") or None
    if key is not None:
        expressions.check(str(key))
    return None if key is None else str(key)


@dataclass(frozen=True)
class Singleton:
    """At most one running run per key: a new event skips its run or cancels the running one."""

    mode: str
    key: str | None = None


@dataclass(frozen=True)
class Debounce:
    """Start one run with the last event once `period` passes without another (or `timeout`)."""

    period: float
    key: str | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class Batch:
    """Collect up to `max_size` events (or for `timeout`) and start one run with all of them."""

    max_size: int
    timeout: float
    key: str | None = None
    expression: str | None = None


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` runs start per `period` and key; events over it start nothing."""

    limit: int
    period: float
    key: str | None = None


@dataclass(frozen=True)
class Timeouts:
    """Cancel a run not started within `start`, or not finished `finish` after it started."""

    start: float | None = None
    finish: float | None = None


@dataclass(frozen=True)
class FlowControl:
    singleton: Singleton | None = None
    debounce: Debounce | None = None
    batch: Batch | None = None
    rate_limit: RateLimit | None = None
    priority: str | None = None
    timeouts: Timeouts | None = None

    @classmethod
    def parse(cls, config: dict[str, Any]) -> FlowControl:
        """Read the options from a registered function; ValueError when one is invalid."""
        return cls(
            singleton=_singleton(config.get("singleton")),
            debounce=_debounce(config.get("debounce")),
            batch=_batch(config.get("batchEvents")),
            rate_limit=_rate_limit(config.get("rateLimit")),
            priority=_priority(config.get("priority")),
            timeouts=_timeouts(config.get("timeouts")),
        )


def _singleton(raw: Any) -> Singleton | None:
    if not raw:
        return None
    if raw.get("mode") not in ("skip", "cancel"):
        raise ValueError(f"singleton mode must be skip or cancel, not {raw.get('mode')!r}")
    return Singleton(mode=str(raw["mode"]), key=_key(raw))


def _debounce(raw: Any) -> Debounce | None:
    if not raw:
        return None
    timeout = raw.get("timeout")
    return Debounce(
        period=whole_seconds(raw["period"], "debounce period"),
        key=_key(raw),
        timeout=whole_seconds(timeout, "debounce timeout") if timeout else None,
    )


def _batch(raw: Any) -> Batch | None:
    if not raw:
        return None
    max_size = int(raw["maxSize"])
    if max_size < 1:
        raise ValueError("batchEvents maxSize must be at least 1")
    expression = raw.get("if") or None
    if expression:
        expressions.check(expression)
    return Batch(
        max_size=max_size,
        timeout=whole_seconds(raw["timeout"], "batchEvents timeout"),
        key=_key(raw),
        expression=expression,
    )


def _rate_limit(raw: Any) -> RateLimit | None:
    if not raw:
        return None
    limit = int(raw["limit"])
    if limit < 1:
        raise ValueError("rateLimit limit must be at least 1")
    return RateLimit(
        limit=limit, period=whole_seconds(raw["period"], "rateLimit period"), key=_key(raw)
    )


def _priority(raw: Any) -> str | None:
    run = (raw or {}).get("run") or None
    if run:
        expressions.check(str(run))
    return None if run is None else str(run)


def _timeouts(raw: Any) -> Timeouts | None:
    if not raw or not (raw.get("start") or raw.get("finish")):
        return None
    start, finish = raw.get("start"), raw.get("finish")
    return Timeouts(
        start=whole_seconds(start, "timeouts start") if start else None,
        finish=whole_seconds(finish, "timeouts finish") if finish else None,
    )
