"""Reads and writes of console users and failed sign-ins; callers own the session."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.names import Role
from workflows.store.models import ConsoleUser, SignInFailure


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
        user.active = active
    if password_hash is not None:
        user.password_hash = password_hash
    user.updated_at = now
    session.add(user)
    await session.flush()
    return user


async def record_sign_in_failure(
    *, session: AsyncSession, email: str, address: str, at: datetime, forget_before: datetime
) -> None:
    """Count one failure, and forget failures too old to matter so the table stays small."""
    await session.exec(delete(SignInFailure).where(col(SignInFailure.at) < forget_before))
    session.add(SignInFailure(email=normalise_email(email), address=address, at=at))
    await session.flush()


async def count_sign_in_failures(
    *, session: AsyncSession, email: str, address: str, since: datetime
) -> int:
    query = select(func.count()).where(
        col(SignInFailure.email) == normalise_email(email),
        col(SignInFailure.address) == address,
        col(SignInFailure.at) >= since,
    )
    return int((await session.exec(query)).one())


async def clear_sign_in_failures(*, session: AsyncSession, email: str, address: str) -> None:
    """A successful sign-in starts the count afresh."""
    await session.exec(
        delete(SignInFailure).where(
            col(SignInFailure.email) == normalise_email(email),
            col(SignInFailure.address) == address,
        )
    )
