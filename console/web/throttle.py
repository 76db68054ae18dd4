"""Sign-in throttling: a few tries per email and address, then a pause, by the app clock."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.store.users import (
    blocked_emails,
    claim_sign_in_try,
    clear_sign_in_tries,
    lift_sign_in_block,
)

MAX_TRIES = 5
WINDOW = timedelta(minutes=15)


class SignInThrottle:
    """Counts sign-in tries in the database, so every worker and replica sees the same count.

    A try is counted before its password is checked and forgotten only when it succeeds: guesses
    sent all at once get no more checks than guesses sent one after another.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def claim(self, *, email: str, address: str, now: datetime) -> bool:
        """True when this pair may try now: fewer than MAX_TRIES in the WINDOW that began first."""
        async with self._sessions.begin() as session:
            return await claim_sign_in_try(
                session=session,
                email=email,
                address=address,
                now=now,
                window=WINDOW,
                limit=MAX_TRIES,
            )

    async def succeeded(self, *, email: str, address: str) -> None:
        async with self._sessions.begin() as session:
            await clear_sign_in_tries(session=session, email=email, address=address)

    async def blocked(self, *, now: datetime) -> set[str]:
        """Emails that cannot sign in now from some address, until their window ends."""
        async with self._sessions() as session:
            return await blocked_emails(session=session, now=now, window=WINDOW, limit=MAX_TRIES)

    async def lift(self, *, email: str) -> bool:
        """Let the email try again from everywhere at once; True when it had tries counted."""
        async with self._sessions.begin() as session:
            return await lift_sign_in_block(session=session, email=email) > 0
