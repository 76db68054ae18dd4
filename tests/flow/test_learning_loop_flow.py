"""The learning loop end to end: a reply sent from the local inbox, and one sent in Front."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx

from console.webhooks.front_signature import sign_app_webhook
from tests.console.web.conftest import PASSWORD, PASSWORD_HASH, post_form, sign_in
from tests.flow.inbound import drafts, handled, inbound
from tests.flow.stack import Stack
from tests.flow.webhook import post, signed_inbound
from tests.integrations.front_stand_in import FrontStandIn
from workflows.integrations.demo_app import DEMO_APP_ID, DEMO_INBOX_ID
from workflows.store.models import SentDraft
from workflows.store.users import create_user

APPROVER = "approver@example.com"


async def _sent(stack: Stack, draft_id: str) -> SentDraft | None:
    async with stack.sessions() as session:
        return await session.get(SentDraft, draft_id)


async def test_a_reply_edited_and_sent_in_the_local_inbox_is_kept_beside_the_draft(
    stack: Stack,
) -> None:
    message = inbound("Hi, I can't log in to my account since yesterday.")
    await handled(stack, message)
    [draft] = await drafts(stack, message.conversation_id)
    async with stack.sessions.begin() as session:
        now = datetime.fromtimestamp(stack.clock.now(), UTC)
        await create_user(
            session=session, email=APPROVER, role="approver", password_hash=PASSWORD_HASH, now=now
        )
    page = f"/console/inbox/{message.conversation_id}"
    edited = draft.body.replace("Hi Ada,", "Dear Ada, sorry for the trouble.")

    async with httpx.AsyncClient(base_url=stack.app_url) as client:
        assert (await sign_in(client, APPROVER, PASSWORD)).status_code == 303
        await post_form(client, f"/console/inbox/drafts/{draft.id}", {"body": edited}, page=page)
        sent = await post_form(client, f"/console/inbox/drafts/{draft.id}/sent", page=page)

    assert sent.status_code == 303
    kept = await _sent(stack, draft.id)
    assert kept is not None
    assert (kept.agent_text, kept.sent_text) == (draft.body, edited)
    assert 0 < kept.edit_ratio < 0.3
    assert (kept.app_id, kept.source, kept.sent_by) == (DEMO_APP_ID, "local", APPROVER)
    assert kept.run_id == draft.run_id


def _outbound_sent(stack: Stack, *, conversation_id: str, message_id: str, text: str) -> bytes:
    """Front's application webhook for a sent message, as Front documents it."""
    return json.dumps(
        {
            "type": "outbound_sent",
            "authorization": {"id": "cmp_1"},
            "payload": {
                "id": "evt_sent1",
                "type": "outbound",
                "emitted_at": stack.clock.now(),
                "conversation": {"id": conversation_id, "subject": "Help"},
                "source": {"_meta": {"type": "inboxes"}, "data": [{"id": DEMO_INBOX_ID}]},
                "target": {
                    "_meta": {"type": "message"},
                    "data": {
                        "id": message_id,
                        "type": "email",
                        "is_inbound": False,
                        "text": text,
                        "body": f"<p>{text}</p>",
                        "author": {"email": "sam@example.com", "username": "sam"},
                        "recipients": [{"handle": "ada@example.com", "role": "to"}],
                    },
                },
            },
        }
    ).encode()


def _signed(stack: Stack, body: bytes, secret: str | None = None) -> dict[str, str]:
    timestamp = str(int(stack.clock.now() * 1000))
    signature = sign_app_webhook(secret or stack.settings.front_webhook_secret, timestamp, body)
    return {
        "content-type": "application/json",
        "x-front-request-timestamp": timestamp,
        "x-front-signature": signature,
    }


async def test_a_draft_sent_in_front_is_kept_with_its_edit_ratio(
    front_stack: Stack, front: FrontStandIn
) -> None:
    conversation_id = "cnv_sent1"
    text = "Hi, I can't log in to my account since yesterday."
    front.add_conversation(conversation_id, inbox_id=DEMO_INBOX_ID)
    message_id = front.add_inbound_message(conversation_id, text, sender="ada@example.com")
    body, headers, ids = signed_inbound(
        front_stack, text, conversation_id=conversation_id, message_id=message_id
    )
    assert (await post(front_stack, body, headers)).status_code == 202
    await front_stack.harness.finished_run(ids["event"])
    [draft] = front.drafts.values()
    unchanged = _outbound_sent(
        front_stack, conversation_id=conversation_id, message_id=draft["id"], text=draft["body"]
    )

    forged = await post(front_stack, unchanged, _signed(front_stack, unchanged, "not-the-secret"))
    assert forged.status_code == 401
    assert await _sent(front_stack, draft["id"]) is None

    answer = await post(front_stack, unchanged, _signed(front_stack, unchanged))
    again = await post(front_stack, unchanged, _signed(front_stack, unchanged))

    assert answer.status_code == again.status_code == 200
    assert answer.json() == {"recorded": draft["id"]}
    kept = await _sent(front_stack, draft["id"])
    assert kept is not None
    assert (kept.edit_ratio, kept.source, kept.sent_by) == (0.0, "front", "sam@example.com")
    assert kept.sent_text == draft["body"]
    assert [d.id for d in await drafts(front_stack, conversation_id, status="sent")] == [
        draft["id"]
    ]


async def test_a_message_sent_in_front_that_was_no_draft_of_ours_is_ignored(
    front_stack: Stack,
) -> None:
    body = _outbound_sent(
        front_stack, conversation_id="cnv_unknown", message_id="msg_theirs", text="Hello"
    )

    answer = await post(front_stack, body, _signed(front_stack, body))

    assert answer.json() == {"ignored": "no draft of ours"}
    async with front_stack.sessions() as session:
        assert await session.get(SentDraft, "msg_theirs") is None
