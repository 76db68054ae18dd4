from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from tests.engine.harness import free_port
from workflows.engine.schema import metadata

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=DATABASES)
async def engine_db(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """A clean engine database: a new SQLite file, or PostgreSQL with the engine tables dropped."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/engine.db"
        return
    url = os.environ["TEST_DATABASE_URL"]
    db = create_async_engine(url)
    async with db.begin() as conn:
        await conn.run_sync(metadata.drop_all)
    await db.dispose()
    yield url


@pytest.fixture
def engine_port() -> int:
    return free_port()
