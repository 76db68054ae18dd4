"""Durations in settings: seconds, ISO 8601 or Inngest's own `24h` / `1h30m`, whole seconds only.

Inngest refuses a wait or a sleep that is not a whole number of seconds, so a fraction is refused
here, at start-up, rather than discovered by a run hours later.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated

from pydantic import BeforeValidator

_UNITS = {"w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_INNGEST = re.compile(r"(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")
_ISO = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")
EXAMPLES = "seconds (86400), ISO 8601 (PT24H, P1D) or 24h, 30m, 2d, 1h30m"


class DurationError(ValueError):
    """A duration that is not in a form we read, or not a whole number of seconds."""


def parse_duration(value: object) -> timedelta:
    """Read a positive whole-second duration from a number, ISO 8601 or Inngest-style text."""
    if isinstance(value, timedelta):
        return _whole(value.total_seconds(), value)
    if isinstance(value, bool):
        raise DurationError(f"{value!r} is not a duration: use {EXAMPLES}")
    if isinstance(value, int | float):
        return _whole(float(value), value)
    if not isinstance(value, str):
        raise DurationError(f"{value!r} is not a duration: use {EXAMPLES}")
    text = value.strip()
    seconds = _seconds(text)
    if seconds is None:
        raise DurationError(f"{value!r} is not a duration: use {EXAMPLES}")
    return _whole(seconds, value)


def _seconds(text: str) -> float | None:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    iso = text[:1].upper() == "P"
    match = (_ISO if iso else _INNGEST).fullmatch(text.upper() if iso else text.lower())
    if match is None or not any(match.groups()):
        return None
    return float(sum(int(n) * _UNITS[u] for n, u in zip(match.groups(), "wdhms", strict=True) if n))


def _whole(seconds: float, original: object) -> timedelta:
    if seconds != int(seconds):
        raise DurationError(f"{original!r} is not a whole number of seconds")
    if seconds <= 0:
        raise DurationError(f"{original!r} must be longer than zero")
    return timedelta(seconds=int(seconds))


# A settings field typed `Duration` accepts every form above; pydantic names the variable.
Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
