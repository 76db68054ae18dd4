"""The approval loop through Slack: the run posts the card, a click decides, the card follows."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.console.slack_requests import ANN, SECRET, click, signed
from tests.flow.approvals import (
    action,
    approval_run,
    demo_operations,
    pending_refund,
    waiting,
)
from tests.flow.stack import Stack, running_stack, stack_settings
from tests.integrations.slack_stand_in import CHANNEL, TOKEN, SlackStandIn
from workflows.functions.approval import CARD_RETRY


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as server:
        yield server


@pytest.fixture
async def stack(database_url: str, tmp_path: Path, slack: SlackStandIn) -> AsyncIterator[Stack]:
    settings = stack_settings(
        database_url,
        tmp_path,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        slack_approval_channel=CHANNEL,
        slack_approver_ids=ANN["id"],
    )
    async with running_stack(settings) as running:
        yield running


def _texts(blocks: list[dict[str, Any]]) -> str:
    return json.dumps(blocks)


def _buttons(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        element["action_id"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def test_a_slack_approval_executes_once_and_the_card_says_done(
    stack: Stack, slack: SlackStandIn
) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)
    posted = await action(stack, pending.id)
    assert (posted.slack_channel, posted.slack_ts) != (None, None)
    card = slack.messages[(CHANNEL, str(posted.slack_ts))]
    assert _buttons(card.blocks) == ["approve", "reject", "edit"]

    body, headers = signed(
        click(
            "approve",
            pending.id,
            user=ANN,
            channel=CHANNEL,
            ts=str(posted.slack_ts),
            response_url=slack.response_url("approve"),
        )
    )
    response = await stack.http.post(
        f"{stack.app_url}/slack/interactions", content=body, headers=headers
    )
    assert response.status_code == 200
    run = await approval_run(stack, pending.id)

    assert run["status"] == "Completed", run
    assert (await action(stack, pending.id)).status == "executed"
    assert len(await demo_operations(stack)) == 1
    final = slack.messages[(CHANNEL, str(posted.slack_ts))].blocks
    assert _buttons(final) == []
    assert "Approved by ann" in _texts(final)
    assert "done" in _texts(final)


async def test_slack_errors_are_retried_and_the_card_is_posted_once(
    stack: Stack, slack: SlackStandIn
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=3)
    slack.fail_next("chat.postMessage", status=500)

    pending = await pending_refund(stack)

    async def posted() -> bool | None:
        stack.clock.advance(5)  # past the retry-after and the backoff
        return True if (await action(stack, pending.id)).slack_ts else None

    await stack.harness.settle(posted)
    assert len(slack.calls("chat.postMessage")) == 3
    assert len([m for m in slack.messages.values() if m.thread_ts is None]) == 1


async def test_while_slack_is_down_the_approval_waits_and_the_card_comes_later(
    stack: Stack, slack: SlackStandIn
) -> None:
    slack.fail_next("chat.postMessage", status=500, times=100)
    pending = await pending_refund(stack)

    async def given_up() -> bool | None:
        # The engine retries the card with backoff; the clock skips the waits.
        stack.clock.advance(60)
        return True if len(slack.calls("chat.postMessage")) >= 5 else None

    await stack.harness.settle(given_up)
    await waiting(stack, pending.id)
    assert (await action(stack, pending.id)).status == "pending"
    slack.recover()

    stack.clock.advance(CARD_RETRY.total_seconds())

    async def card_posted() -> bool | None:
        return True if (await action(stack, pending.id)).slack_ts else None

    await stack.harness.settle(card_posted)
    assert (await action(stack, pending.id)).status == "pending"


async def test_on_expiry_the_card_says_nothing_was_done(stack: Stack, slack: SlackStandIn) -> None:
    pending = await pending_refund(stack)
    await waiting(stack, pending.id)

    stack.clock.advance(stack.settings.approval_timeout.total_seconds() + 1)
    await approval_run(stack, pending.id)

    row = await action(stack, pending.id)
    blocks = slack.messages[(CHANNEL, str(row.slack_ts))].blocks
    assert "Expired after 24h" in _texts(blocks)
    assert "nothing was done" in _texts(blocks)
    assert _buttons(blocks) == []


async def test_approvers_are_reminded_once_in_the_thread_before_expiry(
    database_url: str, tmp_path: Path, slack: SlackStandIn
) -> None:
    settings = stack_settings(
        database_url,
        tmp_path,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        slack_approval_channel=CHANNEL,
        approval_reminder=timedelta(hours=2),
    )
    async with running_stack(settings) as stack:
        pending = await pending_refund(stack)
        await waiting(stack, pending.id)
        ts = str((await action(stack, pending.id)).slack_ts)
        assert slack.thread(CHANNEL, ts) == []

        stack.clock.advance(timedelta(hours=21, minutes=59).total_seconds())
        await waiting(stack, pending.id)
        assert slack.thread(CHANNEL, ts) == []  # not yet: 2 h 1 min left
        stack.clock.advance(timedelta(minutes=2).total_seconds())

        async def reminded() -> bool | None:
            return True if slack.thread(CHANNEL, ts) else None

        await stack.harness.settle(reminded)
        await waiting(stack, pending.id)  # the wait until the deadline, after the reminder
        assert (await action(stack, pending.id)).status == "pending"
        stack.clock.advance(timedelta(hours=2).total_seconds())
        await approval_run(stack, pending.id)

        [reminder] = slack.thread(CHANNEL, ts)
        assert "Still waiting for a decision" in reminder.text
        assert (await action(stack, pending.id)).status == "expired"
