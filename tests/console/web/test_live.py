"""The live streams over real HTTP: the queue and an item follow the database as it changes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.console.web.conftest import EMAILS, PASSWORD, PASSWORD_HASH, sign_in
from tests.flow.approvals import LEAD, click, pending_refund, waiting
from tests.flow.stack import Stack, running_stack, stack_settings
from workflows.alerts import Raised, raise_alert
from workflows.store.users import create_user

STREAM_LIMIT = 20.0  # seconds of real work before a test gives up


@pytest.fixture
async def stack(database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(stack_settings(database_url, tmp_path)) as running:
        async with running.sessions.begin() as session:
            await create_user(
                session=session,
                email=EMAILS["viewer"],
                role="viewer",
                password_hash=PASSWORD_HASH,
                now=datetime.fromtimestamp(running.clock.now(), UTC),
            )
        yield running


class Events:
    """The events of one open stream, read as they come."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()

    async def next(self, name: str) -> dict[str, Any]:
        async with asyncio.timeout(STREAM_LIMIT):
            event = ""
            async for line in self._lines:
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == name:
                    return dict(json.loads(line.removeprefix("data: ")))
        raise AssertionError(f"the stream ended before a {name} event")


@asynccontextmanager
async def _viewer(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.app_url) as client:
        assert (await sign_in(client, EMAILS["viewer"], PASSWORD)).status_code == 303
        yield client


async def test_the_queue_stream_sends_arrivals_and_decisions_made_elsewhere(
    stack: Stack,
) -> None:
    async with (
        _viewer(stack) as client,
        client.stream("GET", "/console/queue/stream") as response,
    ):
        assert response.headers["content-type"].startswith("text/event-stream")
        events = Events(response)
        assert (await events.next("queue"))["count"] == 0

        pending = await pending_refund(stack)
        arrived = await events.next("queue")
        assert arrived["count"] == 1
        assert pending.id in arrived["html"]
        assert "katherine@example.com" in arrived["html"]

        await waiting(stack, pending.id)
        await click(stack, pending.id, who=LEAD)  # as a Slack click would
        assert (await events.next("queue"))["count"] == 0


async def test_the_queue_stream_sends_new_alerts_escaped(stack: Stack) -> None:
    async with (
        _viewer(stack) as client,
        client.stream("GET", "/console/queue/stream") as response,
    ):
        events = Events(response)
        first = await events.next("queue")
        assert (first["alerts"].strip(), first["escalations"]) == ("", 0)

        summary = "The refund failed: the app refused <b>it</b>"
        alert = Raised(key="action-failed:x", kind="action-failed", subject="x", summary=summary)
        await raise_alert(stack.services, alert)

        alerts = (await events.next("queue"))["alerts"]
        assert "the app refused &lt;b&gt;it&lt;/b&gt;" in alerts
        assert "<b>it" not in alerts
        assert "Dismiss" not in alerts  # a viewer may not decide, live or not


async def test_the_queue_stream_drops_an_item_once_it_expires(stack: Stack) -> None:
    pending = await pending_refund(stack)
    async with (
        _viewer(stack) as client,
        client.stream("GET", "/console/queue/stream") as response,
    ):
        events = Events(response)
        assert pending.id in (await events.next("queue"))["html"]

        stack.clock.advance(timedelta(hours=24, seconds=1).total_seconds())

        assert (await events.next("queue"))["count"] == 0


async def test_the_item_stream_follows_its_status(stack: Stack) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    async with (
        _viewer(stack) as client,
        client.stream("GET", f"/console/actions/{pending.id}/stream") as response,
    ):
        events = Events(response)
        assert await events.next("status") == {"status": "pending"}

        await click(stack, pending.id, who=LEAD)

        assert (await events.next("status"))["status"] in ("approved", "executed")


async def test_streams_refuse_anonymous_readers(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.app_url) as client:
        response = await client.get(
            "/console/queue/stream", headers={"accept": "text/event-stream"}
        )

    assert response.status_code == 401
