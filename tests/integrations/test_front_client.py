"""The Front client against a local Front: request shapes, pagination, tags and every failure."""

from __future__ import annotations

import httpx
import pytest

from tests.integrations.front_stand_in import TOKEN, FrontStandIn, inbound, outbound
from workflows.errors import IntegrationError, RateLimited
from workflows.integrations.front import MAX_MERGES_FOLLOWED, FrontClient


def _failing(error: Exception) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error

    return httpx.MockTransport(handler)


async def test_every_request_carries_the_bearer_token(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1", "inb_support", [inbound("Hello")])

    await front_client.list_messages("cnv_1")
    await front_client.conversation_inboxes("cnv_1")
    await front_client.inbox_channels("inb_support")
    await front_client.add_comment("cnv_1", "note")

    assert len(front.requests) == 4
    assert {r.headers["Authorization"] for r in front.requests} == {f"Bearer {TOKEN}"}


async def test_list_messages_follows_every_page_on_the_configured_host(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation(
        "cnv_1", messages=[inbound(f"m{n}", message_id=f"msg_{n}") for n in range(5)]
    )

    messages = await front_client.list_messages("cnv_1")

    assert [m["id"] for m in messages] == ["msg_4", "msg_3", "msg_2", "msg_1", "msg_0"]
    pages = front.received("GET", "/conversations/cnv_1/messages")
    assert [r.query.get("page_token") for r in pages] == [None, "2", "4"]
    assert pages[0].query["limit"] == "100"


async def test_inboxes_and_channels_are_listed(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    channels = [{"id": "cha_a", "is_valid": True}, {"id": "cha_b", "is_valid": True}]
    front.add_inbox("inb_sales", channels)
    front.add_conversation("cnv_1", "inb_sales")

    assert [i["id"] for i in await front_client.conversation_inboxes("cnv_1")] == ["inb_sales"]
    assert await front_client.inbox_channels("inb_sales") == channels


async def test_create_draft_asks_for_a_shared_draft_on_the_channel(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1")

    draft_id = await front_client.create_draft("cnv_1", body="Hi there", channel_id="cha_support")

    (request,) = front.received("POST", "/conversations/cnv_1/drafts")
    assert request.json() == {"body": "Hi there", "channel_id": "cha_support", "mode": "shared"}
    assert front.drafts[draft_id]["draft_mode"] == "shared"


async def test_delete_draft_deletes_at_the_latest_version(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1")
    draft_id = await front_client.create_draft("cnv_1", body="Hi", channel_id="cha_support")
    front.drafts[draft_id]["version"] = "edited-by-a-teammate"

    await front_client.delete_draft(draft_id)

    assert draft_id not in front.drafts
    (request,) = front.received("DELETE", f"/drafts/{draft_id}")
    assert request.json() == {"version": "edited-by-a-teammate"}


async def test_delete_draft_at_a_stale_version_is_refused_for_good(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1")
    draft_id = await front_client.create_draft("cnv_1", body="Hi", channel_id="cha_support")
    version = front.drafts[draft_id]["version"]
    front.drafts[draft_id]["version"] = "edited-by-a-teammate"

    with pytest.raises(IntegrationError) as raised:
        await front_client.delete_draft(draft_id, version=version)

    assert raised.value.retryable is False
    assert draft_id in front.drafts


async def test_deleting_a_draft_that_is_gone_is_not_an_error(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    await front_client.delete_draft("msg_gone")
    await front_client.delete_draft("msg_gone", version="v1")

    assert len(front.received("DELETE", "/drafts/msg_gone")) == 1


async def test_a_draft_that_was_sent_is_not_deleted(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1")
    draft_id = await front_client.create_draft("cnv_1", body="Hi", channel_id="cha_support")
    front.drafts[draft_id]["draft_mode"] = None  # a teammate sent it: it is a message now

    await front_client.delete_draft(draft_id)

    assert front.received("DELETE", f"/drafts/{draft_id}") == []


async def test_add_comment_posts_the_body(front: FrontStandIn, front_client: FrontClient) -> None:
    front.add_conversation("cnv_1")

    await front_client.add_comment("cnv_1", "Refund approved by ann")

    assert front.received("POST", "/conversations/cnv_1/comments")[0].json() == {
        "body": "Refund approved by ann"
    }
    assert [(c["conversation_id"], c["body"]) for c in front.comments] == [
        ("cnv_1", "Refund approved by ann")
    ]


async def test_a_new_tag_is_created_once_then_reused(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1")
    front.add_conversation("cnv_2")

    await front_client.add_tag("cnv_1", "needs-approval")
    await front_client.add_tag("cnv_2", "needs-approval")

    (created,) = front.received("POST", "/company/tags")
    assert created.json() == {"name": "needs-approval"}
    assert len(front.received("GET", "/tags")) == 1
    assert front.tags_of("cnv_1") == front.tags_of("cnv_2") == ["needs-approval"]
    tag_id = next(iter(front.tags))
    assert front.received("POST", "/conversations/cnv_2/tags")[0].json() == {"tag_ids": [tag_id]}


async def test_an_existing_tag_is_found_on_a_later_page(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    for name in ("billing", "bug", "vip", "spam", "Refund"):
        front.add_tag(name)
    front.add_conversation("cnv_1")

    await front_client.add_tag("cnv_1", "refund")

    assert front.received("POST", "/company/tags") == []
    assert len(front.received("GET", "/tags")) == 3
    assert front.tags_of("cnv_1") == ["Refund"]


async def test_a_tag_deleted_in_front_is_looked_up_again(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1")
    await front_client.add_tag("cnv_1", "vip")
    front.tags.clear()

    with pytest.raises(IntegrationError):
        await front_client.add_tag("cnv_1", "vip")
    await front_client.add_tag("cnv_1", "vip")

    assert len(front.received("POST", "/company/tags")) == 2
    assert front.tags_of("cnv_1")[-1] == "vip"


@pytest.mark.parametrize(
    ("header", "seconds"), [("7", 7.0), ("0.5", 0.5), (None, 1.0), ("soon", 1.0), ("-3", 1.0)]
)
async def test_429_raises_rate_limited_with_the_wait_front_asked_for(
    front: FrontStandIn, front_client: FrontClient, header: str | None, seconds: float
) -> None:
    front.add_conversation("cnv_1")
    front.fail_next("POST", "/conversations/cnv_1/comments", status=429, retry_after=header)

    with pytest.raises(RateLimited) as raised:
        await front_client.add_comment("cnv_1", "note")

    assert raised.value.retry_after == seconds
    assert raised.value.retryable is True
    await front_client.add_comment("cnv_1", "note")  # only the next request was limited
    assert len(front.comments) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retryable(
    front: FrontStandIn, front_client: FrontClient, status: int
) -> None:
    front.add_conversation("cnv_1")
    front.fail_next("GET", "/conversations/cnv_1/messages", status=status)

    with pytest.raises(IntegrationError) as raised:
        await front_client.list_messages("cnv_1")

    assert raised.value.retryable is True
    assert not isinstance(raised.value, RateLimited)
    assert str(status) in str(raised.value)


async def test_a_refused_request_is_not_retryable(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1")

    with pytest.raises(IntegrationError) as raised:
        await front_client.create_draft("cnv_1", body="", channel_id="cha_support")

    assert raised.value.retryable is False
    assert "400" in str(raised.value)
    assert "body and channel_id are required" in str(raised.value)


async def test_a_failure_in_a_later_page_fails_the_whole_listing(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1", messages=[inbound(f"m{n}") for n in range(3)])
    front.fail_next("GET", "/conversations/cnv_1/messages", status=503, after=1)

    with pytest.raises(IntegrationError) as raised:
        await front_client.list_messages("cnv_1")

    assert raised.value.retryable is True
    assert len(front.received("GET", "/conversations/cnv_1/messages")) == 2


@pytest.mark.parametrize(
    "error",
    [httpx.ConnectError("connection refused"), httpx.ReadTimeout("read timed out")],
)
async def test_an_unreachable_front_is_retryable(error: Exception) -> None:
    async with FrontClient(
        api_url="https://front.example", token=TOKEN, transport=_failing(error)
    ) as front_client:
        with pytest.raises(IntegrationError) as raised:
            await front_client.add_comment("cnv_1", "note")

    assert raised.value.retryable is True
    assert "/conversations/cnv_1/comments" in str(raised.value)


async def test_a_wrong_token_is_refused_and_never_shown() -> None:
    async with FrontStandIn(token="the-right-one") as front:
        front.add_conversation("cnv_1")
        async with FrontClient(api_url=front.url, token="secret-wrong-token") as front_client:
            with pytest.raises(IntegrationError) as raised:
                await front_client.list_messages("cnv_1")

    assert raised.value.retryable is False
    assert "401" in str(raised.value)
    assert "secret-wrong-token" not in str(raised.value)


async def test_errors_never_repeat_the_token_even_when_front_echoes_it() -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        detail = f"bad header {request.headers['authorization']}"
        return httpx.Response(400, json={"_error": {"message": detail}})

    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError(f"could not send {request.headers['authorization']}")

    for handler in (echo, fail):
        transport = httpx.MockTransport(handler)
        async with FrontClient(
            api_url="https://front.example", token=TOKEN, transport=transport
        ) as front_client:
            with pytest.raises(IntegrationError) as raised:
                await front_client.add_comment("cnv_1", "note")
        assert TOKEN not in str(raised.value)
        assert "[token]" in str(raised.value)


async def test_an_id_cannot_steer_a_request_to_another_endpoint(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1")

    with pytest.raises(IntegrationError):
        await front_client.add_comment("cnv_1/../../tags", "note")

    assert front.comments == []
    assert all(r.path.startswith("/conversations/cnv_1") for r in front.requests)
    assert front.received("POST", "/tags") == []


async def test_the_stand_in_refuses_and_records_any_send() -> None:
    async with (
        FrontStandIn() as front,
        httpx.AsyncClient(headers={"authorization": f"Bearer {TOKEN}"}) as http,
    ):
        front.add_conversation("cnv_1", messages=[outbound("sent earlier")])
        reply = await http.post(f"{front.url}/conversations/cnv_1/messages", json={"body": "x"})
        new = await http.post(f"{front.url}/channels/cha_support/messages", json={"body": "x"})

    assert (reply.status_code, new.status_code) == (405, 405)
    assert [r.path for r in front.send_attempts] == [
        "/conversations/cnv_1/messages",
        "/channels/cha_support/messages",
    ]


def test_the_client_has_no_way_to_send_a_message() -> None:
    public = {name for name in dir(FrontClient) if not name.startswith("_")}

    assert public == {
        "aclose",
        "add_comment",
        "add_tag",
        "conversation_inboxes",
        "create_draft",
        "delete_draft",
        "draft_version",
        "inbox_channels",
        "list_messages",
        "message_headers",
    }


async def test_draft_version_changes_when_a_teammate_edits_and_is_none_once_gone(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1")
    draft_id = await front_client.create_draft("cnv_1", body="Hi", channel_id="cha_support")
    first = await front_client.draft_version(draft_id)

    front.edit_draft(draft_id, "Hi, edited")

    assert first is not None
    assert await front_client.draft_version(draft_id) not in (None, first)
    await front_client.delete_draft(draft_id)
    assert await front_client.draft_version(draft_id) is None


async def test_drafts_comments_and_tags_on_a_merged_conversation_land_on_the_surviving_one(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_old", messages=[inbound("First", message_id="msg_old")])
    front.add_conversation("cnv_new", messages=[inbound("Second", message_id="msg_new")])
    front.merge("cnv_old", into="cnv_new")

    draft_id = await front_client.create_draft("cnv_old", body="Hi", channel_id="cha_support")
    await front_client.add_comment("cnv_old", "note")
    await front_client.add_tag("cnv_old", "needs-human")
    messages = await front_client.list_messages("cnv_old")

    assert front.drafts[draft_id]["conversation_id"] == "cnv_new"
    assert front.drafts[draft_id]["draft_mode"] == "shared"
    assert [(c["conversation_id"], c["body"]) for c in front.comments] == [("cnv_new", "note")]
    assert front.tags_of("cnv_new") == ["needs-human"]
    assert {m["id"] for m in messages} == {"msg_old", "msg_new"}
    # Front said 301 each time; the call was made again, as a POST, on the same host.
    assert len(front.received("POST", "/conversations/cnv_new/drafts")) == 1


async def test_a_chain_of_merges_is_followed_to_its_end(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    for conversation_id in ("cnv_a", "cnv_b", "cnv_c"):
        front.add_conversation(conversation_id)
    front.merge("cnv_a", into="cnv_b")
    front.merge("cnv_b", into="cnv_c")

    await front_client.add_comment("cnv_a", "note")

    assert [c["conversation_id"] for c in front.comments] == ["cnv_c"]


async def test_a_merge_named_on_another_host_sends_nothing_to_that_host(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_old")
    front.add_conversation("cnv_new")
    async with FrontStandIn() as elsewhere:
        front.merge("cnv_old", into="cnv_new", location_base=elsewhere.url)

        await front_client.add_comment("cnv_old", "note")

    assert elsewhere.requests == []
    assert [c["conversation_id"] for c in front.comments] == ["cnv_new"]
    assert {r.headers["Authorization"] for r in front.requests} == {f"Bearer {TOKEN}"}


@pytest.mark.parametrize(
    "location",
    [
        "https://collector.example/steal",
        "https://collector.example/conversations/cnv_new/tags",  # another endpoint
        "/conversations/..%2Ftags/comments",
        None,
    ],
)
async def test_a_redirect_to_anything_but_the_same_call_on_a_merged_conversation_is_refused(
    location: str | None,
) -> None:
    seen: list[httpx.Request] = []

    def redirecting(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(301, headers={"location": location} if location else {})

    transport = httpx.MockTransport(redirecting)
    async with FrontClient(
        api_url="https://front.example", token=TOKEN, transport=transport
    ) as front_client:
        with pytest.raises(IntegrationError) as raised:
            await front_client.add_comment("cnv_old", "note")

    assert raised.value.retryable is False
    assert "refused" in str(raised.value)
    assert [(r.url.host, r.url.path) for r in seen] == [
        ("front.example", "/conversations/cnv_old/comments")
    ]


async def test_a_redirect_loop_is_refused_after_a_few_hops() -> None:
    seen: list[httpx.Request] = []

    def looping(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(301, headers={"location": "/conversations/cnv_1/comments"})

    transport = httpx.MockTransport(looping)
    async with FrontClient(
        api_url="https://front.example", token=TOKEN, transport=transport
    ) as front_client:
        with pytest.raises(IntegrationError) as raised:
            await front_client.add_comment("cnv_1", "note")

    assert raised.value.retryable is False
    assert len(seen) == MAX_MERGES_FOLLOWED + 1
