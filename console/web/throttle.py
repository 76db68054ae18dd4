"""Sign-in throttling: a few failures per email and address, then a pause, by the app clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.store.users import (
    clear_sign_in_failures,
    count_sign_in_failures,
    record_sign_in_failure,
)

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


class SignInThrottle:
    """Counts failed sign-ins in the database, so every worker and replica sees the same count."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def blocked(self, *, email: str, address: str, now: datetime) -> bool:
        """True once MAX_FAILURES failed in the last WINDOW for this email from this address."""
        async with self._sessions() as session:
            failures = await count_sign_in_failures(
                session=session, email=email, address=address, since=now - WINDOW
            )
        return failures >= MAX_FAILURES

    async def failed(self, *, email: str, address: str, now: datetime) -> None:
        async with self._sessions.begin() as session:
            await record_sign_in_failure(
                session=session, email=email, address=address, at=now, forget_before=now - WINDOW
            )

    async def succeeded(self, *, email: str, address: str) -> None:
        async with self._sessions.begin() as session:
            await clear_sign_in_failures(session=session, email=email, address=address)
