"""Fixtures for the agent tests: the Messages API stand-in and a real SDK client pointed at it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import anthropic
import pytest

from agent.client import make_model_client
from tests.agent.anthropic_stand_in import StandInAPI, anthropic_stand_in


@pytest.fixture
def messages_api() -> Iterator[StandInAPI]:
    with anthropic_stand_in() as api:
        yield api


@pytest.fixture
async def sdk_client(messages_api: StandInAPI) -> AsyncIterator[anthropic.AsyncAnthropic]:
    """The real AsyncAnthropic client, built the way the workflow builds it."""
    client = make_model_client(api_key="sk-ant-test", base_url=messages_api.url)
    assert isinstance(client, anthropic.AsyncAnthropic)
    async with client:
        yield client
