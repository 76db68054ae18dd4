"""Fixtures shared by the suite: databases and stand-ins for services on the other side of HTTP."""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.keys import SECRETS
from tests.stand_in import StandIn
from workflows.config import Settings

# The Inngest SDK still declares one pydantic model with a class-based config; the suite turns
# warnings into errors, so the SDK is imported once here with that one deprecation silenced.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Support for class-based `config`", DeprecationWarning)
    import inngest.fast_api  # noqa: F401


@pytest.fixture(autouse=True)
def _no_configuration_from_the_outside(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings and the Inngest SDK read the environment; a developer's exports stay out."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)


def _postgres_url() -> str | None:
    return os.environ.get("TEST_DATABASE_URL") or None


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database: a fresh SQLite file, and a fresh PostgreSQL database when configured."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        return
    base = _postgres_url()
    if base is None:
        pytest.skip("TEST_DATABASE_URL is not set")
    async with _fresh_postgres_database(base) as url:
        yield url


@asynccontextmanager
async def _fresh_postgres_database(base: str) -> AsyncIterator[str]:
    """Create a uniquely named database for one test and drop it afterwards."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    # CREATE DATABASE cannot run inside a transaction.
    admin = create_async_engine(base, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded-mode settings on a temporary SQLite file, ignoring any `.env` in the checkout."""
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'app.db'}"
    return Settings(_env_file=None, database_url=database_url, **SECRETS)


@pytest.fixture
async def stand_in() -> AsyncIterator[StandIn]:
    """A local HTTP server that records requests and answers as a test tells it to."""
    async with StandIn() as server:
        yield server
