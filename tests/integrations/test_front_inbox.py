"""The Front-backed inbox: Front's messages read as a thread, drafts placed on the reply channel."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integrations.front_stand_in import TOKEN, FrontStandIn, inbound, outbound
from workflows.errors import IntegrationError
from workflows.integrations.front import FrontClient
from workflows.integrations.front_inbox import FrontInbox, text_of_html
from workflows.integrations.inbox import Inbox
from workflows.store.models import EMAIL_LENGTH


@pytest.fixture
def inbox(front_client: FrontClient) -> FrontInbox:
    return FrontInbox(front_client)


async def test_the_thread_reads_oldest_first_with_who_wrote_each_message(
    front: FrontStandIn, inbox: FrontInbox
) -> None:
    ann = {"id": "tea_1", "email": "ann@desk.example", "type": "user"}
    bot = {"id": "tea_2", "email": "api@desk.example", "type": "api"}
    front.add_conversation(
        "cnv_1",
        messages=[
            inbound("My refund?", sender="kim@example.com", message_id="msg_a", created_at=100),
            outbound("Looking into it", author=ann, message_id="msg_b", created_at=200),
            outbound("Auto-acknowledged", author=None, message_id="msg_c", created_at=300),
            outbound("Sent by an integration", author=bot, message_id="msg_d", created_at=400),
            inbound("Thanks", sender="kim@example.com", message_id="msg_e", created_at=500.5),
        ],
    )

    thread = await inbox.list_messages("cnv_1")

    assert [(m.id, m.author, m.sender) for m in thread] == [
        ("msg_a", "customer", "kim@example.com"),
        ("msg_b", "teammate", "ann@desk.example"),
        ("msg_c", "agent", "support@example.com"),
        ("msg_d", "agent", "support@example.com"),
        ("msg_e", "customer", "kim@example.com"),
    ]
    assert thread[0].text == "My refund?"
    assert thread[-1].sent_at == datetime(1970, 1, 1, 0, 8, 20, 500000, tzinfo=UTC)
    assert len(front.received("GET", "/conversations/cnv_1/messages")) == 3  # pages of two


async def test_messages_sent_in_the_same_second_keep_their_order(
    front: FrontStandIn, inbox: FrontInbox
) -> None:
    front.add_conversation(
        "cnv_1", messages=[inbound(t, message_id=t, created_at=100) for t in ("one", "two", "3")]
    )

    assert [m.id for m in await inbox.list_messages("cnv_1")] == ["one", "two", "3"]


async def test_drafts_are_not_part_of_the_thread(front: FrontStandIn, inbox: FrontInbox) -> None:
    front.add_conversation(
        "cnv_1",
        messages=[inbound("Hi", message_id="msg_a"), outbound("Draft", draft_mode="shared")],
    )

    assert [m.id for m in await inbox.list_messages("cnv_1")] == ["msg_a"]


async def test_a_message_without_text_is_read_from_its_html_body(
    front: FrontStandIn, inbox: FrontInbox
) -> None:
    html = "<p>Hi&nbsp;there &amp; thanks</p><p>Line <b>two</b><br>three</p><script>x()</script>"
    front.add_conversation("cnv_1", messages=[inbound("", body=html)])

    (message,) = await inbox.list_messages("cnv_1")

    assert message.text == "Hi there & thanks\nLine two\nthree"


async def test_a_message_is_read_without_what_a_database_refuses_and_its_sender_cut(
    front: FrontStandIn, inbox: FrontInbox
) -> None:
    sender = "a" * 400 + "@example.com"
    front.add_conversation("cnv_1", messages=[inbound("Hi\x00 there \ud800", sender=sender)])

    (message,) = await inbox.list_messages("cnv_1")

    assert message.text == "Hi there \ufffd"
    assert message.sender == sender[:EMAIL_LENGTH]


def test_html_text_drops_styles_and_blank_lines() -> None:
    html = "<style>p {color: red}</style><div>\n\n  a   b </div><ul><li>c</li><li>d</li></ul>"

    assert text_of_html(html) == "a b\nc\nd"


async def test_a_draft_goes_on_the_first_valid_channel_and_the_channel_is_remembered(
    front: FrontStandIn, inbox: FrontInbox
) -> None:
    channels = [{"id": "cha_broken", "is_valid": False}, {"id": "cha_mail", "is_valid": True}]
    front.add_inbox("inb_support", channels)
    front.add_conversation("cnv_1", "inb_support", [inbound("Hello")])

    first = await inbox.create_draft("cnv_1", "Hello Kim")
    second = await inbox.create_draft("cnv_1", "Hello again")

    assert [front.drafts[d]["channel_id"] for d in (first, second)] == ["cha_mail", "cha_mail"]
    assert {front.drafts[d]["draft_mode"] for d in (first, second)} == {"shared"}
    assert len(front.received("GET", "/conversations/cnv_1/inboxes")) == 1
    assert len(front.received("GET", "/inboxes/inb_support/channels")) == 1
    (request, _) = front.received("POST", "/conversations/cnv_1/drafts")
    assert request.json() == {"body": "Hello Kim", "channel_id": "cha_mail", "mode": "shared"}


@pytest.mark.parametrize("channels", [[], [{"id": "cha_broken", "is_valid": False}]])
async def test_no_channel_to_reply_on_is_a_permanent_error(
    front: FrontStandIn, inbox: FrontInbox, channels: list[dict[str, object]]
) -> None:
    front.add_inbox("inb_empty", channels)
    front.add_conversation("cnv_1", "inb_empty")

    with pytest.raises(IntegrationError, match="cnv_1 has no inbox with a channel") as raised:
        await inbox.create_draft("cnv_1", "Hello")

    assert raised.value.retryable is False
    assert front.drafts == {}


async def test_a_conversation_in_no_inbox_cannot_get_a_draft(
    front: FrontStandIn, inbox: FrontInbox
) -> None:
    front.add_conversation("cnv_1", inbox_id=None)

    with pytest.raises(IntegrationError) as raised:
        await inbox.create_draft("cnv_1", "Hello")

    assert raised.value.retryable is False


async def test_delete_comment_and_tag_reach_front(front: FrontStandIn, inbox: FrontInbox) -> None:
    front.add_conversation("cnv_1")
    draft_id = await inbox.create_draft("cnv_1", "Hello")

    await inbox.delete_draft(draft_id)
    await inbox.delete_draft(draft_id)  # a second delete finds it gone
    await inbox.add_comment("cnv_1", "Agent proposed a refund")
    await inbox.add_tag("cnv_1", "needs-approval")

    assert front.drafts == {}
    assert [c["body"] for c in front.comments] == ["Agent proposed a refund"]
    assert front.tags_of("cnv_1") == ["needs-approval"]


async def test_using_every_inbox_method_never_sends_a_message(front: FrontStandIn) -> None:
    front.add_conversation("cnv_1", messages=[inbound("Refund please")])
    async with FrontClient(api_url=front.url, token=TOKEN) as client:
        inbox: Inbox = FrontInbox(client)
        await inbox.list_messages("cnv_1")
        draft_id = await inbox.create_draft("cnv_1", "Refunded")
        await inbox.add_comment("cnv_1", "Refund approved")
        await inbox.add_tag("cnv_1", "refunded")
        await inbox.delete_draft(draft_id)

    assert front.send_attempts == []
    assert not [r for r in front.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert {r.headers["Authorization"] for r in front.requests} == {f"Bearer {TOKEN}"}
