"""From a signed Front webhook to a draft: the local inbox by default, and Front itself."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from tests.flow.approvals import approval_run, click, waiting
from tests.flow.inbound import actions, drafts
from tests.flow.stack import Stack, finished_despite_retries
from tests.flow.webhook import post, signed_inbound
from tests.integrations.front_stand_in import FrontStandIn
from workflows.engine import schema
from workflows.integrations.demo_app import DEMO_INBOX_ID


async def test_a_webhook_delivered_ten_times_at_once_is_one_run_and_one_draft(
    stack: Stack,
) -> None:
    body, headers, ids = signed_inbound(stack, "Hi, I can't log in to my account.")

    responses = await asyncio.gather(*(post(stack, body, headers) for _ in range(10)))

    assert {r.status_code for r in responses} == {202}
    run = await stack.harness.finished_run(ids["event"])
    assert run["status"] == "Completed", run
    assert len(await stack.harness.runs(ids["event"])) == 1
    assert len(await drafts(stack, ids["conversation"])) == 1
    [action] = await actions(stack, ids["conversation"])
    assert action.status == "executed"


async def test_a_forged_webhook_starts_nothing(stack: Stack) -> None:
    body, headers, ids = signed_inbound(stack, "Refund me.")
    headers["x-front-signature"] = "Zm9yZ2Vk"

    response = await post(stack, body, headers)

    assert response.status_code == 401
    assert await stack.harness.runs(ids["event"]) == []
    assert await drafts(stack, ids["conversation"]) == []


async def test_with_front_the_draft_is_shared_and_nothing_is_sent(
    front_stack: Stack, front: FrontStandIn
) -> None:
    text = "Hi, I can't log in to my account since yesterday."
    conversation_id = "cnv_front1"
    front.add_conversation(conversation_id, inbox_id=DEMO_INBOX_ID)
    message_id = front.add_inbound_message(conversation_id, text, sender="ada@example.com")
    body, headers, ids = signed_inbound(
        front_stack, text, conversation_id=conversation_id, message_id=message_id
    )

    assert (await post(front_stack, body, headers)).status_code == 202
    run = await front_stack.harness.finished_run(ids["event"])

    assert run["status"] == "Completed", run
    [draft] = front.drafts.values()
    assert draft["draft_mode"] == "shared"
    assert draft["channel_id"] == "cha_demo"
    assert "login link has been sent" in draft["body"]
    [comment] = front.comments
    assert "Login link to " in comment["body"]  # the action, in words
    assert front.send_attempts == []
    # Our copy of the draft is what the console will show.
    [copy] = await drafts(front_stack, conversation_id)
    assert copy.id == draft["id"]


async def test_front_failures_are_retried_without_a_second_draft_and_no_secret_is_kept(
    front_stack: Stack, front: FrontStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    conversation_id = "cnv_front2"
    front.add_conversation(conversation_id, inbox_id=DEMO_INBOX_ID)
    text = "I would like a refund for my team licence please."
    message_id = front.add_inbound_message(conversation_id, text, sender="katherine@example.com")
    front.fail_next("POST", f"/conversations/{conversation_id}/drafts", status=500)
    front.fail_next(
        "GET", f"/conversations/{conversation_id}/messages", status=429, retry_after="7"
    )
    body, headers, ids = signed_inbound(
        front_stack,
        text,
        sender="katherine@example.com",
        conversation_id=conversation_id,
        message_id=message_id,
    )

    assert (await post(front_stack, body, headers)).status_code == 202
    run = await finished_despite_retries(front_stack, ids["event"])

    assert run["status"] == "Completed", run
    assert len(front.received("POST", f"/conversations/{conversation_id}/drafts")) == 2
    assert len(front.received("GET", f"/conversations/{conversation_id}/messages")) == 2
    assert len(front.drafts) == 1
    assert "reviewing your refund request" in next(iter(front.drafts.values()))["body"]
    secrets = [front.token, "front-app-secret", front_stack.settings.front_webhook_secret]
    async with front_stack.harness.engine.store.engine.connect() as connection:
        for table in (schema.events, schema.runs, schema.steps):
            stored = " ".join(str(row) for row in await connection.execute(select(table)))
            assert not [s for s in secrets if s in stored], table.name
    assert not [s for s in secrets if s in caplog.text]


async def test_an_approval_leaves_a_draft_a_teammate_edited_in_front_alone(
    front_stack: Stack, front: FrontStandIn
) -> None:
    conversation_id = "cnv_front3"
    front.add_conversation(conversation_id, inbox_id=DEMO_INBOX_ID)
    text = "I would like a refund for my team licence please."
    message_id = front.add_inbound_message(conversation_id, text, sender="katherine@example.com")
    body, headers, ids = signed_inbound(
        front_stack,
        text,
        sender="katherine@example.com",
        conversation_id=conversation_id,
        message_id=message_id,
    )
    await post(front_stack, body, headers)
    await front_stack.harness.finished_run(ids["event"])
    [pending] = await actions(front_stack, conversation_id)
    await waiting(front_stack, pending.id)
    [draft_id] = front.drafts
    front.edit_draft(draft_id, "Hi Katherine, a teammate's own words.")

    await click(front_stack, pending.id)
    await approval_run(front_stack, pending.id)

    assert front.drafts[draft_id]["body"] == "Hi Katherine, a teammate's own words."
    assert list(front.drafts) == [draft_id]
    assert any("edited by a teammate" in c["body"] for c in front.comments)


async def test_a_message_in_a_conversation_merged_since_is_drafted_on_the_surviving_one(
    front_stack: Stack, front: FrontStandIn
) -> None:
    text = "Hi, I can't log in to my account since yesterday."
    front.add_conversation("cnv_merged", inbox_id=DEMO_INBOX_ID)
    message_id = front.add_inbound_message("cnv_merged", text, sender="ada@example.com")
    front.add_conversation("cnv_surviving", inbox_id=DEMO_INBOX_ID)
    front.merge("cnv_merged", into="cnv_surviving")
    body, headers, ids = signed_inbound(
        front_stack, text, conversation_id="cnv_merged", message_id=message_id
    )

    assert (await post(front_stack, body, headers)).status_code == 202
    run = await front_stack.harness.finished_run(ids["event"])

    assert run["status"] == "Completed", run
    [draft] = front.drafts.values()
    assert draft["conversation_id"] == "cnv_surviving"
    assert "login link has been sent" in draft["body"]
    assert [c["conversation_id"] for c in front.comments] == ["cnv_surviving"]


async def test_a_failed_run_on_a_merged_conversation_is_escalated_on_the_surviving_one(
    front_stack: Stack, front: FrontStandIn
) -> None:
    text = "Hi, I can't log in to my account since yesterday."
    front.add_conversation("cnv_merged", inbox_id=DEMO_INBOX_ID)
    message_id = front.add_inbound_message("cnv_merged", text, sender="ada@example.com")
    front.add_conversation("cnv_surviving", inbox_id=DEMO_INBOX_ID)
    front.merge("cnv_merged", into="cnv_surviving")
    front.fail_next("POST", "/conversations/cnv_surviving/drafts", status=400, times=10)
    body, headers, ids = signed_inbound(
        front_stack, text, conversation_id="cnv_merged", message_id=message_id
    )

    assert (await post(front_stack, body, headers)).status_code == 202
    run = await finished_despite_retries(front_stack, ids["event"])

    assert run["status"] == "Failed", run

    async def escalated() -> bool | None:
        return True if "needs-human" in front.tags_of("cnv_surviving") else None

    await front_stack.harness.settle(escalated)
    [comment] = front.comments
    assert comment["conversation_id"] == "cnv_surviving"
    assert "could not finish" in comment["body"]


async def test_a_message_front_lists_only_later_is_read_on_a_retry(
    front_stack: Stack, front: FrontStandIn
) -> None:
    text = "Hi, I can't log in to my account since yesterday."
    front.add_conversation("cnv_late", inbox_id=DEMO_INBOX_ID)
    body, headers, ids = signed_inbound(front_stack, text, conversation_id="cnv_late")

    assert (await post(front_stack, body, headers)).status_code == 202

    async def listed_once() -> bool | None:
        return True if front.received("GET", "/conversations/cnv_late/messages") else None

    await front_stack.harness.settle(listed_once)
    # The event names the message but does not carry it: the run waits for Front to list it.
    front.add_inbound_message("cnv_late", text, sender="ada@example.com", message_id=ids["message"])
    run = await finished_despite_retries(front_stack, ids["event"])

    assert run["status"] == "Completed", run
    [draft] = front.drafts.values()
    assert "login link has been sent" in draft["body"]


async def test_with_front_an_auto_reply_known_only_by_its_headers_gets_no_draft(
    front_stack: Stack, front: FrontStandIn
) -> None:
    # Ordinary words: only the EML's Auto-Submitted header tells it is an automatic reply.
    text = "Thanks for your email, I can't log in to check it before Monday."
    conversation_id = "cnv_front_auto"
    front.add_conversation(conversation_id, inbox_id=DEMO_INBOX_ID)
    message_id = front.add_inbound_message(conversation_id, text, sender="ada@example.com")
    front.email_headers[message_id] = {"Auto-Submitted": "auto-replied"}
    body, headers, ids = signed_inbound(
        front_stack, text, conversation_id=conversation_id, message_id=message_id
    )

    assert (await post(front_stack, body, headers)).status_code == 202
    run = await front_stack.harness.finished_run(ids["event"])

    assert run["status"] == "Completed", run
    assert front.drafts == {}
    assert front.comments == []
    assert front.tags_of(conversation_id) == ["automated"]
    assert await actions(front_stack, conversation_id) == []
