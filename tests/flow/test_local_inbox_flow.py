"""The embedded default end to end: local inbox, offline model, demo app, embedded engine."""

from __future__ import annotations

import asyncio

from agent.offline import OFFLINE_LABEL
from tests.flow.inbound import (
    actions,
    agent_runs,
    comments,
    conversation,
    drafts,
    handled,
    inbound,
    keep,
    send,
)
from tests.flow.stack import Stack
from workflows.events import INBOUND_RECEIVED


async def test_lost_access_gets_a_login_link_and_a_truthful_draft(stack: Stack) -> None:
    message = inbound("Hi, I can't log in to my account since yesterday.")

    run = await handled(stack, message)

    assert run["status"] == "Completed", run
    [action] = await actions(stack, message.conversation_id)
    assert (action.tool, action.status) == ("send_magic_link", "executed")
    assert action.result  # the demo app's answer is kept
    [draft] = await drafts(stack, message.conversation_id)
    assert draft.body.startswith("Hi Ada,")
    assert OFFLINE_LABEL not in draft.body  # the banner is for teammates, in the comment
    assert "login link has been sent" in draft.body
    [comment] = await comments(stack, message.conversation_id)
    assert OFFLINE_LABEL in comment.body
    assert "- Login link to ada@example.com" in comment.body
    assert "policy: runs without approval" in comment.body
    [agent_run] = await agent_runs(stack, message.conversation_id)
    assert agent_run.model == "offline"
    assert agent_run.turns >= 3


async def test_a_large_refund_waits_for_approval_and_the_draft_says_so(stack: Stack) -> None:
    message = inbound(
        "I would like a refund for my team licence please.", sender="katherine@example.com"
    )

    run = await handled(stack, message)

    assert run["status"] == "Completed", run
    [action] = await actions(stack, message.conversation_id)
    assert (action.tool, action.status, action.verdict) == (
        "refund_purchase",
        "pending",
        "needs_approval",
    )
    assert action.expires_at is not None
    assert action.expires_at - action.created_at == stack.settings.approval_timeout
    [draft] = await drafts(stack, message.conversation_id)
    assert "reviewing your refund request" in draft.body
    assert "has been issued" not in draft.body
    # The approval run started from `action/approval.requested`, whose id is the action's.
    [approval] = await stack.harness.runs(action.id)
    assert approval["function_id"] == "support-agent-handle-approval"


async def test_the_same_event_ten_times_at_once_is_one_run_and_one_draft(stack: Stack) -> None:
    message = inbound("I can't log in.")

    event_ids = await asyncio.gather(*(send(stack, message) for _ in range(10)))
    assert set(event_ids) == {message.front_event_id}
    await stack.harness.finished_run(message.front_event_id)

    assert len(await stack.harness.runs(message.front_event_id)) == 1
    assert len(await drafts(stack, message.conversation_id)) == 1
    assert len(await actions(stack, message.conversation_id)) == 1


async def test_a_second_message_replaces_the_first_draft_with_one_that_answers_both(
    stack: Stack,
) -> None:
    first = inbound("Hi, I would like a refund for my last purchase please.")
    await handled(stack, first)
    second = inbound(
        "Also, I can't log in to my account any more.", conversation_id=first.conversation_id
    )

    await handled(stack, second)

    [draft] = await drafts(stack, first.conversation_id)
    assert len(await drafts(stack, first.conversation_id, status="deleted")) == 1
    record = await conversation(stack, first.conversation_id)
    assert record is not None
    assert record.answered_message_id == second.message_id
    assert draft.body


async def test_a_message_during_a_run_cancels_it_and_is_answered_with_no_effect_twice(
    stack: Stack,
) -> None:
    # One conversation, one run: the later message cancels the run the first one started (a
    # concurrency key alone would let both run), and the run it starts answers both.
    first = inbound("Hi, I can't log in to my account since yesterday.")
    second = inbound(
        "Also, I still can't log in, please help.", conversation_id=first.conversation_id
    )
    for message in (first, second):
        await keep(stack.services, message)
    await stack.harness.send_events(
        [
            {"name": INBOUND_RECEIVED, "data": m.event_data, "id": m.front_event_id}
            for m in (first, second)
        ]
    )

    assert (await stack.harness.finished_run(first.front_event_id))["status"] == "Cancelled"
    assert (await stack.harness.finished_run(second.front_event_id))["status"] == "Completed"
    [action] = await actions(stack, first.conversation_id)
    assert (action.tool, action.status) == ("send_magic_link", "executed")
    [draft] = await drafts(stack, first.conversation_id)
    assert "login link has been sent" in draft.body
    record = await conversation(stack, first.conversation_id)
    assert record is not None
    assert record.answered_message_id == second.message_id
