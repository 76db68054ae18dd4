"""A running stack per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.flow.stack import Stack, running_stack, stack_settings
from tests.integrations.front_stand_in import FrontStandIn


@pytest.fixture
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    """The embedded default: local inbox, offline model, demo app."""
    async with running_stack(stack_settings(database_url, tmp_path)) as running:
        yield running


@pytest.fixture
async def front() -> AsyncIterator[FrontStandIn]:
    async with FrontStandIn(page_size=25) as server:
        yield server


@pytest.fixture
async def front_stack(
    database_url: str, tmp_path: Path, front: FrontStandIn
) -> AsyncIterator[Stack]:
    settings = stack_settings(
        database_url,
        tmp_path,
        front_api_token=front.token,
        front_api_url=front.url,
        front_app_secret="front-app-secret",
    )
    async with running_stack(settings) as running:
        yield running
