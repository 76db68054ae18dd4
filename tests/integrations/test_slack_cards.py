"""SlackCards against a local Slack: post, update and remind; failures the engine can act on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from tests.engine.harness import free_port
from tests.integrations.action_views import CREATED, make_view
from tests.integrations.slack_stand_in import CHANNEL, TOKEN, SlackStandIn
from workflows.config import Settings
from workflows.errors import IntegrationError, RateLimited
from workflows.integrations.slack import SlackCards, slack_cards_for


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as server:
        yield server


@pytest.fixture
def cards(slack: SlackStandIn) -> SlackCards:
    return SlackCards(token=TOKEN, base_url=slack.api_url)


async def test_a_card_is_posted_with_its_blocks_and_fallback_text(
    slack: SlackStandIn, cards: SlackCards
) -> None:
    ts = await cards.post_card(CHANNEL, make_view(), now=CREATED)

    message = slack.messages[(CHANNEL, ts)]
    assert message.text.startswith("Approval needed: Refund of $249.00")
    assert [b["action_id"] for b in message.blocks[-1]["elements"]] == ["approve", "reject", "edit"]
    [call] = slack.calls("chat.postMessage")
    assert call.headers["Authorization"] == f"Bearer {TOKEN}"


async def test_an_update_redraws_the_same_message_and_keeps_its_history(
    slack: SlackStandIn, cards: SlackCards
) -> None:
    ts = await cards.post_card(CHANNEL, make_view(), now=CREATED)

    decided = make_view(status="rejected", decided_by="Bob", decision_reason="duplicate")
    await cards.update_card(CHANNEL, ts, decided, now=CREATED + timedelta(hours=1))

    message = slack.messages[(CHANNEL, ts)]
    assert len(slack.messages) == 1
    assert len(message.history) == 2
    assert "Rejected by Bob: duplicate" in str(message.blocks)
    assert "approve" not in str(message.blocks)


async def test_a_reminder_is_a_reply_in_the_cards_thread(
    slack: SlackStandIn, cards: SlackCards
) -> None:
    ts = await cards.post_card(CHANNEL, make_view(), now=CREATED)

    await cards.post_reminder(CHANNEL, ts, "Still waiting")

    [reply] = slack.thread(CHANNEL, ts)
    assert reply.text == "Still waiting"


async def test_a_base_url_without_its_final_slash_still_reaches_the_api(
    slack: SlackStandIn,
) -> None:
    cards = SlackCards(token=TOKEN, base_url=slack.api_url.rstrip("/"))

    ts = await cards.post_card(CHANNEL, make_view(), now=CREATED)

    assert (CHANNEL, ts) in slack.messages


async def test_429_is_rate_limited_with_slacks_retry_after_and_is_not_retried_here(
    slack: SlackStandIn, cards: SlackCards
) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=7)

    with pytest.raises(RateLimited) as caught:
        await cards.post_card(CHANNEL, make_view(), now=CREATED)

    assert caught.value.retry_after == 7
    assert len(slack.calls("chat.postMessage")) == 1  # the engine retries the step, not the SDK
    assert slack.messages == {}


async def test_a_server_error_is_retryable(slack: SlackStandIn, cards: SlackCards) -> None:
    slack.fail_next("chat.update", status=500)
    ts = await cards.post_card(CHANNEL, make_view(), now=CREATED)

    with pytest.raises(IntegrationError) as caught:
        await cards.update_card(CHANNEL, ts, make_view(status="approved"), now=CREATED)

    assert caught.value.retryable is True
    assert not isinstance(caught.value, RateLimited)
    assert len(slack.calls("chat.update")) == 1


async def test_an_unreachable_slack_is_retryable() -> None:
    cards = SlackCards(token=TOKEN, base_url=f"http://127.0.0.1:{free_port()}/api/")

    with pytest.raises(IntegrationError) as caught:
        await cards.post_card(CHANNEL, make_view(), now=CREATED)

    assert caught.value.retryable is True


@pytest.mark.parametrize(
    ("channel", "token", "code"),
    [("C0NOWHERE", TOKEN, "channel_not_found"), (CHANNEL, "xoxb-wrong-token", "invalid_auth")],
)
async def test_answers_that_will_not_change_are_final_and_never_show_the_token(
    slack: SlackStandIn, channel: str, token: str, code: str
) -> None:
    cards = SlackCards(token=token, base_url=slack.api_url)

    with pytest.raises(IntegrationError) as caught:
        await cards.post_card(channel, make_view(), now=CREATED)

    assert caught.value.retryable is False
    assert code in str(caught.value)
    assert token not in str(caught.value)
    assert token not in repr(caught.value)
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True


def test_without_a_bot_token_there_is_no_slack(settings: Settings) -> None:
    assert slack_cards_for(settings) is None
    assert isinstance(
        slack_cards_for(settings.model_copy(update={"slack_bot_token": TOKEN})), SlackCards
    )
