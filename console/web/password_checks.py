"""Password checks off the event loop, a few at a time: argon2 is slow and memory-hard on purpose.

Checked on the event loop, each sign-in froze every other request for a quarter of a second; a
burst of bogus sign-ins stalled health checks and webhooks for seconds. In worker threads, at most
`at_once` run together, and beyond `waiting` more the caller is told at once to come back later.
"""

from __future__ import annotations

from dataclasses import dataclass

import anyio
import anyio.to_thread

from console.web.passwords import rehashed, verify_password

AT_ONCE = 2
WAITING = 8


class Busy(Exception):
    """Too many passwords are being checked already; nothing was checked."""


@dataclass(frozen=True)
class PasswordCheck:
    matches: bool
    # A fresh hash to store when the password matched a hash made with weaker costs.
    new_hash: str | None = None


def _check(password_hash: str | None, password: str) -> PasswordCheck:
    if not verify_password(password_hash, password) or password_hash is None:
        return PasswordCheck(matches=False)
    return PasswordCheck(matches=True, new_hash=rehashed(password_hash, password))


class PasswordChecks:
    """Verifies sign-in passwords in worker threads, `at_once` together, `waiting` more queued."""

    def __init__(self, *, at_once: int = AT_ONCE, waiting: int = WAITING) -> None:
        self._at_once = at_once
        self._room = at_once + waiting
        self._taken = 0
        # Made on first use: a limiter belongs to the event loop that serves requests.
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def has_room(self) -> bool:
        """False when a check now would be refused with Busy."""
        return self._taken < self._room

    async def check(self, password_hash: str | None, password: str) -> PasswordCheck:
        """Whether the password matches (None stands for an unknown user); Busy when full."""
        if not self.has_room:
            raise Busy
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._at_once)
        self._taken += 1
        try:
            return await anyio.to_thread.run_sync(
                _check, password_hash, password, limiter=self._limiter
            )
        finally:
            self._taken -= 1
