"""Whatever a customer writes, the run goes on: a 1 MiB email travels as a small event, and fields
too long for their columns or holding what PostgreSQL refuses are normalised on the way in."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.flow.inbound import agent_runs, conversation, drafts
from tests.flow.stack import Stack
from tests.flow.webhook import post, signed_inbound
from workflows.engine import schema
from workflows.store.models import EMAIL_LENGTH, SUBJECT_LENGTH

# Inngest Cloud's limit on one event (free plan).
EVENT_LIMIT = 256 * 1024


async def _stored_event(stack: Stack, event_id: str) -> dict[str, object]:
    async with stack.harness.engine.store.engine.connect() as connection:
        query = select(schema.events.c.payload).where(schema.events.c.id == event_id)
        payload = (await connection.execute(query)).scalar_one()
    return payload if isinstance(payload, dict) else json.loads(payload)


async def test_a_1_mib_email_travels_as_a_small_event_and_the_run_reads_all_of_it(
    stack: Stack,
) -> None:
    opening = "Hi, I can't log in to my account since yesterday.\n"
    text = opening + "x" * (1024 * 1024 - len(opening))
    body, headers, ids = signed_inbound(stack, text)

    assert (await post(stack, body, headers)).status_code == 202
    run = await stack.harness.finished_run(ids["event"])

    assert run["status"] == "Completed", run
    event = await _stored_event(stack, ids["event"])
    assert len(json.dumps(event).encode()) < EVENT_LIMIT
    [agent_run] = await agent_runs(stack, ids["conversation"])
    [message] = agent_run.context["messages"]
    assert message["text"] == text


async def test_fields_too_long_for_their_columns_or_holding_nul_do_not_stop_the_run(
    stack: Stack,
) -> None:
    sender = "a" * 400 + "@example.com"
    subject = "Refund\x00" + "s" * 600
    text = "Hi, I can't log in\x00 to my account since yesterday."
    body, headers, ids = signed_inbound(
        stack, text, sender=sender, subject=subject, sender_name="Ada\x00" + "n" * 300
    )

    assert (await post(stack, body, headers)).status_code == 202
    run = await stack.harness.finished_run(ids["event"])

    assert run["status"] == "Completed", run
    record = await conversation(stack, ids["conversation"])
    assert record is not None
    assert record.subject == ("Refund" + "s" * 600)[:SUBJECT_LENGTH]
    assert record.customer_email == sender[:EMAIL_LENGTH]
    [agent_run] = await agent_runs(stack, ids["conversation"])
    [message] = agent_run.context["messages"]
    assert message["text"] == text.replace("\x00", "")
    assert len(await drafts(stack, ids["conversation"])) == 1
