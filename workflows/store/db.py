"""The async database engine and its sessions, for SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.config import Settings

# Writers wait this long for a SQLite lock instead of failing at once: the web app and the
# embedded engine share one file.
SQLITE_BUSY_TIMEOUT_MS = 5000


def create_engine(source: Settings | str) -> AsyncEngine:
    """Build the engine for `DATABASE_URL` (or an explicit URL)."""
    url = source if isinstance(source, str) else source.database_url
    engine = create_async_engine(url, pool_pre_ping=not is_sqlite(url))
    if is_sqlite(url):
        event.listen(engine.sync_engine, "connect", _tune_sqlite)
        event.listen(engine.sync_engine, "handle_error", _reopen_when_read_only)
    return engine


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions that keep loaded objects usable after commit, as request handlers expect."""
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def _tune_sqlite(dbapi_connection: Any, _record: object) -> None:
    # WAL lets readers run while one writer commits; NORMAL sync is durable under WAL
    # against process crashes, which is the failure a single machine sees most.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _reopen_when_read_only(context: ExceptionContext) -> None:
    # SQLite opens a file it may not write read-only and keeps it so: treating the refusal
    # as a lost connection makes the pool reopen, so the app recovers once the file is writable.
    if "readonly database" in str(context.original_exception):
        context.is_disconnect = True
