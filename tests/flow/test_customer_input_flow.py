"""Whatever a customer writes, the run goes on: a 1 MiB email travels as a small event, and fields
too long for their columns or holding what PostgreSQL refuses are normalised on the way in."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.flow.inbound import actions, agent_runs, conversation, drafts
from tests.flow.stack import Stack
from tests.flow.webhook import post, signed_inbound
from workflows.engine import schema
from workflows.events import APPROVAL_REQUESTED, INBOUND_RECEIVED
from workflows.store.models import EMAIL_LENGTH, SUBJECT_LENGTH

# Inngest Cloud's limit on one event (free plan).
EVENT_LIMIT = 256 * 1024


async def _stored_events(stack: Stack) -> list[tuple[str, str, bytes]]:
    """(id, name, payload as JSON) of every event the engine has stored."""
    events = schema.events.c
    async with stack.harness.engine.store.engine.connect() as connection:
        rows = await connection.execute(select(events.id, events.name, events.payload))
        return [(i, n, json.dumps(p).encode() if isinstance(p, dict) else p) for i, n, p in rows]


async def test_a_1_mib_email_travels_as_small_events_and_the_run_reads_all_of_it(
    stack: Stack,
) -> None:
    opening = "I would like a refund for my team licence please.\n"
    text = opening + "x" * (1024 * 1024 - len(opening))
    body, headers, ids = signed_inbound(stack, text, sender="katherine@example.com")

    assert (await post(stack, body, headers)).status_code == 202
    run = await stack.harness.finished_run(ids["event"])

    assert run["status"] == "Completed", run
    events = await _stored_events(stack)
    assert {name for _, name, _ in events} >= {INBOUND_RECEIVED, APPROVAL_REQUESTED}
    assert all(len(payload) < EVENT_LIMIT for _, _, payload in events), [
        (name, len(payload)) for _, name, payload in events
    ]
    [agent_run] = await agent_runs(stack, ids["conversation"])
    [message] = agent_run.context["messages"]
    assert message["text"] == text
    [action] = await actions(stack, ids["conversation"])
    assert action.status == "pending"


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
