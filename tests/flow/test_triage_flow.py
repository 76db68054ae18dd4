"""Triage in the running stack: mail the agent should not answer gets no draft, only its tags."""

from __future__ import annotations

from sqlmodel import select

from tests.flow.inbound import (
    actions,
    agent_runs,
    comments,
    conversation,
    drafts,
    handled,
    inbound,
)
from tests.flow.stack import Stack
from workflows.steps.execution import ESCALATION_TAG
from workflows.store.attention import Escalation


async def test_an_auto_responder_gets_no_draft_and_is_counted(stack: Stack) -> None:
    message = inbound(
        "I am currently out of the office until Monday with limited access to email."
    ).model_copy(update={"subject": "Automatic reply: Help"})

    run = await handled(stack, message)

    assert run["status"] == "Completed", run
    assert run["output"] == {"status": "triaged", "kind": "automated", "route": "skip"}
    assert await drafts(stack, message.conversation_id) == []
    assert await actions(stack, message.conversation_id) == []
    assert await comments(stack, message.conversation_id) == []
    kept = await conversation(stack, message.conversation_id)
    assert kept is not None
    assert kept.tags == ["automated"]
    [counted] = await agent_runs(stack, message.conversation_id)
    assert (counted.triage_kind, counted.triage_by, counted.outcome, counted.turns) == (
        "automated",
        "rules",
        "triaged",
        0,
    )


async def test_a_legal_threat_goes_to_a_person_with_its_tag_and_reason(stack: Stack) -> None:
    message = inbound(
        "Refund my licence today or my lawyer will start legal action against you.",
        sender="grace@example.com",
    )

    run = await handled(stack, message)

    assert run["status"] == "Completed", run
    assert await drafts(stack, message.conversation_id) == []
    assert await actions(stack, message.conversation_id) == []
    kept = await conversation(stack, message.conversation_id)
    assert kept is not None
    assert kept.tags == [ESCALATION_TAG, "legal"]
    [comment] = await comments(stack, message.conversation_id)
    assert comment.body.startswith("Triage: legal (legal threat: 'my lawyer'), by rules.")
    [counted] = await agent_runs(stack, message.conversation_id)
    assert (counted.triage_kind, counted.triage_reason) == ("legal", "legal threat: 'my lawyer'")
    async with stack.sessions() as session:
        [opened] = (await session.exec(select(Escalation))).all()
    assert (opened.conversation_id, opened.source) == (message.conversation_id, "triage")
    assert opened.reason == "legal: legal threat: 'my lawyer'"


async def test_a_support_request_is_triaged_and_then_drafted(stack: Stack) -> None:
    message = inbound("Hi, I can't log in to my account since yesterday.")

    run = await handled(stack, message)

    assert run["status"] == "Completed", run
    assert len(await drafts(stack, message.conversation_id)) == 1
    [counted] = await agent_runs(stack, message.conversation_id)
    assert (counted.triage_kind, counted.draft_violations, counted.redrafted) == (
        "support",
        [],
        False,
    )
