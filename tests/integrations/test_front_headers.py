"""Email headers come from the message's EML: Front's JSON message has none."""

from __future__ import annotations

import pytest

from tests.integrations.front_stand_in import EML, FrontStandIn, inbound
from workflows.errors import IntegrationError
from workflows.integrations.front import FrontClient
from workflows.integrations.front_inbox import FrontInbox


async def test_headers_are_read_from_the_eml_with_lower_case_names(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1", messages=[inbound("Back on Monday", message_id="msg_1")])
    front.email_headers["msg_1"] = {"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"}

    headers = await FrontInbox(front_client).message_headers("msg_1")

    assert headers["auto-submitted"] == "auto-replied"
    assert headers["x-autoreply"] == "yes"
    assert headers["from"] == "customer@example.com"
    assert front.requests[-1].headers["Accept"] == EML


async def test_a_message_with_no_eml_has_no_headers(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.add_conversation("cnv_1", messages=[inbound("hi", message_id="msg_1", type="sms")])

    assert await front_client.message_headers("msg_1") == {}


async def test_a_server_error_on_the_eml_is_retryable(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.fail_next("GET", "/messages/msg_1", status=503)

    with pytest.raises(IntegrationError) as failed:
        await front_client.message_headers("msg_1")

    assert failed.value.retryable is True


async def test_a_refused_eml_means_no_headers_not_a_failed_run(
    front: FrontStandIn, front_client: FrontClient
) -> None:
    front.fail_next("GET", "/messages/msg_1", status=406)

    assert await front_client.message_headers("msg_1") == {}
