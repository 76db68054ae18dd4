"""A run that keeps failing leaves an escalation in the console and one alert in Slack."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from tests.agent.anthropic_stand_in import Scripted, StandInAPI, anthropic_stand_in
from tests.flow.inbound import conversation, handled, inbound, send
from tests.flow.recovery import advance_and_settle
from tests.flow.stack import Stack, finished_despite_retries, running_stack, stack_settings
from tests.integrations.slack_stand_in import CHANNEL, TOKEN, SlackStandIn
from workflows.functions.inbound import INBOUND_RETRIES
from workflows.store.attention import Alert, Escalation


@pytest.fixture
def model_api() -> Iterator[StandInAPI]:
    with anthropic_stand_in() as api:
        yield api


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as server:
        yield server


@pytest.fixture
async def stack(
    database_url: str, tmp_path: Path, model_api: StandInAPI, slack: SlackStandIn
) -> AsyncIterator[Stack]:
    settings = stack_settings(
        database_url,
        tmp_path,
        anthropic_api_key="sk-test",
        anthropic_base_url=model_api.url,
        slack_bot_token=TOKEN,
        slack_api_url=slack.api_url,
        slack_approval_channel=CHANNEL,
    )
    async with running_stack(settings) as running:
        yield running


async def _escalations(stack: Stack) -> list[Escalation]:
    async with stack.sessions() as session:
        return list(await session.exec(select(Escalation)))


async def test_a_failed_run_opens_an_escalation_and_posts_one_alert_to_slack(
    stack: Stack, model_api: StandInAPI, slack: SlackStandIn
) -> None:
    overloaded = Scripted({"type": "error", "error": {"type": "api_error", "message": "boom"}}, 500)
    model_api.play(*[overloaded] * (INBOUND_RETRIES + 1))
    incoming = inbound("I can't log in.")

    run = await finished_despite_retries(stack, await send(stack, incoming))
    assert run["status"] == "Failed"

    async def escalated() -> Escalation | None:
        found = await _escalations(stack)
        return found[0] if found else None

    escalation = await stack.harness.settle(escalated)
    assert (escalation.conversation_id, escalation.source, escalation.status) == (
        incoming.conversation_id,
        "failure",
        "open",
    )

    async def posted() -> bool | None:
        if slack.messages:
            return True
        stack.clock.advance(60)  # the next minute's alerts pass
        return None

    await stack.harness.settle(posted)
    for _ in range(3):
        await advance_and_settle(stack, 60)

    [message] = slack.messages.values()
    assert message.channel == CHANNEL
    assert "A conversation was handed to the team" in json.dumps(message.blocks)
    assert incoming.conversation_id in message.text
    async with stack.sessions() as session:
        [alert] = (await session.exec(select(Alert))).all()
    assert alert.key == f"run-failed:{escalation.id}"
    assert alert.slack_ts == message.ts
    assert len(await _escalations(stack)) == 1


async def test_the_agent_asking_for_a_person_opens_an_escalation_with_its_reason(
    database_url: str, tmp_path: Path
) -> None:
    async with running_stack(stack_settings(database_url, tmp_path)) as offline:
        incoming = inbound("What colour is the sky on Mars in the afternoon?")
        run = await handled(offline, incoming)

        assert run["status"] == "Completed", run
        [escalation] = await _escalations(offline)
        assert (escalation.conversation_id, escalation.source) == (
            incoming.conversation_id,
            "agent",
        )
        assert escalation.reason == "The offline model did not recognise the request."
        record = await conversation(offline, incoming.conversation_id)
        assert record is not None
        assert "needs-human" in record.tags
