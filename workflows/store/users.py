"""Reads and writes of console users and their sign-in tries; callers own the session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Insert, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.names import Role
from workflows.store.models import ConsoleUser, SignInTries


def normalise_email(email: str) -> str:
    """Emails are compared case-insensitively and without surrounding blanks."""
    return email.strip().lower()


async def create_user(
    *, session: AsyncSession, email: str, role: Role, password_hash: str, now: datetime
) -> ConsoleUser:
    """Add a user; flushes so a duplicate email fails here, not at commit."""
    user = ConsoleUser(
        email=normalise_email(email),
        role=role,
        password_hash=password_hash,
        created_at=now,
        updated_at=now,
    )
    session.add(user)
    await session.flush()
    return user


async def get_user(*, session: AsyncSession, id: int) -> ConsoleUser | None:
    return await session.get(ConsoleUser, id)


async def get_user_by_email(*, session: AsyncSession, email: str) -> ConsoleUser | None:
    query = select(ConsoleUser).where(ConsoleUser.email == normalise_email(email))
    return (await session.exec(query)).first()


async def list_users(*, session: AsyncSession) -> Sequence[ConsoleUser]:
    return (await session.exec(select(ConsoleUser).order_by(col(ConsoleUser.email)))).all()


async def update_user(
    *,
    session: AsyncSession,
    user: ConsoleUser,
    now: datetime,
    role: Role | None = None,
    active: bool | None = None,
    password_hash: str | None = None,
) -> ConsoleUser:
    """Change what is given and leave the rest; flushes."""
    if role is not None:
        user.role = role
    if active is not None:
        if user.active and not active:
            # Ended for good: reactivating the account later revives none of its sessions.
            user.session_generation += 1
        user.active = active
    if password_hash is not None:
        user.password_hash = password_hash
        # Whoever held a session under the old password is signed out with it.
        user.session_generation += 1
    user.updated_at = now
    session.add(user)
    await session.flush()
    return user


async def end_sessions(*, session: AsyncSession, user_id: int) -> None:
    """Make every session cookie issued to the user so far stop working."""
    await session.exec(
        update(ConsoleUser)
        .where(col(ConsoleUser.id) == user_id)
        .values(session_generation=col(ConsoleUser.session_generation) + 1)
    )


async def claim_sign_in_try(
    *, session: AsyncSession, email: str, address: str, now: datetime, window: timedelta, limit: int
) -> bool:
    """Count one try for the pair unless `limit` were counted within `window`; True when counted.

    The count is one conditional UPDATE of one row: the database serialises concurrent tries on
    that row (a row lock on PostgreSQL, the single writer on SQLite), so `limit` is never passed.
    """
    email = normalise_email(email)
    # Windows that ended are forgotten, which also keeps the table small.
    await session.exec(
        delete(SignInTries).where(col(SignInTries.window_started_at) <= now - window)
    )
    await session.exec(
        _insert_if_absent(session, email=email, address=address, tries=0, window_started_at=now)
    )
    counted = await session.exec(
        update(SignInTries)
        .where(
            col(SignInTries.email) == email,
            col(SignInTries.address) == address,
            col(SignInTries.tries) < limit,
        )
        .values(tries=col(SignInTries.tries) + 1)
        .returning(col(SignInTries.tries))
    )
    return counted.first() is not None


async def clear_sign_in_tries(*, session: AsyncSession, email: str, address: str) -> None:
    """A successful sign-in starts the count afresh."""
    await session.exec(
        delete(SignInTries).where(
            col(SignInTries.email) == normalise_email(email),
            col(SignInTries.address) == address,
        )
    )


async def blocked_emails(
    *, session: AsyncSession, now: datetime, window: timedelta, limit: int
) -> set[str]:
    """Emails with at least one address out of tries in a window still running."""
    found = await session.exec(
        select(SignInTries.email).where(
            col(SignInTries.tries) >= limit, col(SignInTries.window_started_at) > now - window
        )
    )
    return set(found.all())


async def lift_sign_in_block(*, session: AsyncSession, email: str) -> int:
    """Forget every try counted for the email, from every address; how many rows went."""
    lifted = await session.exec(
        delete(SignInTries).where(col(SignInTries.email) == normalise_email(email))
    )
    return int(lifted.rowcount or 0)


def _insert_if_absent(session: AsyncSession, **values: object) -> Insert:
    """INSERT … ON CONFLICT DO NOTHING, in the dialect of the session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(SignInTries).values(**values).on_conflict_do_nothing()
    return sqlite.insert(SignInTries).values(**values).on_conflict_do_nothing()
