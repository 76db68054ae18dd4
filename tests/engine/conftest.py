from __future__ import annotations

import os
from collections.abc import AsyncIterator

import pytest

from tests.engine.databases import scratch_database
from tests.engine.functions import Observed, build_suite
from tests.engine.harness import Harness, free_port, make_client, running_harness

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


@pytest.fixture(params=DATABASES)
async def engine_db(request: pytest.FixtureRequest, tmp_path: object) -> AsyncIterator[str]:
    """A clean engine database: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/engine.db"
        return
    async with scratch_database(os.environ["TEST_DATABASE_URL"]) as url:
        yield url


@pytest.fixture
def engine_port() -> int:
    return free_port()


@pytest.fixture
async def suite(engine_db: str, engine_port: int) -> AsyncIterator[tuple[Harness, Observed]]:
    """The whole function suite served for real, and a fresh engine on a manual clock."""
    seen = Observed()
    client = make_client(f"http://127.0.0.1:{engine_port}")
    async with running_harness(engine_db, build_suite(client, seen), client, engine_port) as h:
        yield h, seen
