"""The database as the management commands open it: migrated, or a clear refusal."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.config import Settings
from workflows.store import create_engine, current_revision, head_revision, session_factory


class Refused(Exception):
    """The command cannot do what was asked; the message says why."""


@contextlib.asynccontextmanager
async def migrated_session(settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session on `DATABASE_URL`, refused unless the schema is at the newest revision."""
    if await current_revision(settings.database_url) != head_revision():
        raise Refused("the database is not migrated; run `support-agent db upgrade` first")
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            yield session
    finally:
        await engine.dispose()
