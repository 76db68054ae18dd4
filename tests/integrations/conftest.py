"""Fixtures for the integration clients: a local Front, and a client of it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.integrations.front_stand_in import TOKEN, FrontStandIn
from workflows.integrations.front import FrontClient


@pytest.fixture
async def front() -> AsyncIterator[FrontStandIn]:
    """A local Front with no conversations yet; the tests seed it."""
    async with FrontStandIn() as server:
        yield server


@pytest.fixture
async def front_client(front: FrontStandIn) -> AsyncIterator[FrontClient]:
    """A Front client of `front`, holding its token."""
    async with FrontClient(api_url=front.url, token=TOKEN) as client:
        yield client
