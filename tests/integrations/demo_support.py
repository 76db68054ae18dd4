"""A migrated database for the demo app, and a fixed clock to date its sample purchases by."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.store import create_engine, session_factory, upgrade_database

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


@asynccontextmanager
async def migrated_sessions(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """Sessions on the database at `url`, brought to the newest schema first."""
    await upgrade_database(url)
    engine = create_engine(url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()
