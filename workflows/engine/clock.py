"""Time for the engine: the wall clock in production, a hand-moved clock in tests."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol


class Clock(Protocol):
    """The engine reads time only through this, so tests can jump hours instantly."""

    def now(self) -> float:
        """Seconds since the epoch."""
        ...

    def on_change(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever time moves by more than the wall clock would."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> float:
        return time.time()

    def on_change(self, callback: Callable[[], None]) -> None:
        return None


class ManualClock:
    """A clock that only moves when told to; `advance` wakes the engine's timers at once."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        return self._now

    def on_change(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    def advance(self, seconds: float) -> None:
        self._now += seconds
        for callback in self._listeners:
            callback()
