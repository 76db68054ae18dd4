"""A running stack per test, on SQLite and (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.flow.stack import Stack, running_stack, stack_settings


@pytest.fixture
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    """The embedded default: local inbox, offline model, demo app."""
    async with running_stack(stack_settings(database_url, tmp_path)) as running:
        yield running
