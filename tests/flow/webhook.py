"""Signed Front webhooks posted to the running app, as Front would post them."""

from __future__ import annotations

import json

import httpx

from console.commands.simulate import build_inbound_webhook, new_front_id
from console.webhooks.front_signature import sign_app_webhook
from tests.flow.stack import Stack
from workflows.integrations.demo_app import DEMO_INBOX_ID


def signed_inbound(
    stack: Stack,
    text: str,
    *,
    sender: str = "ada@example.com",
    conversation_id: str | None = None,
    message_id: str | None = None,
    inbox_id: str = DEMO_INBOX_ID,
    subject: str = "Help",
    sender_name: str | None = None,
) -> tuple[bytes, dict[str, str], dict[str, str]]:
    """(body, headers, ids) of an `inbound_received` webhook signed with the configured secret."""
    ids = {
        "event": new_front_id("evt"),
        "conversation": conversation_id or new_front_id("cnv"),
        "message": message_id or new_front_id("msg"),
    }
    document = build_inbound_webhook(
        event_id=ids["event"],
        conversation_id=ids["conversation"],
        message_id=ids["message"],
        inbox_id=inbox_id,
        sender_email=sender,
        sender_name=sender_name,
        subject=subject,
        text=text,
        sent_at=stack.clock.now(),
    )
    body = json.dumps(document).encode()
    timestamp = str(int(stack.clock.now() * 1000))
    headers = {
        "content-type": "application/json",
        "x-front-request-timestamp": timestamp,
        "x-front-signature": sign_app_webhook(stack.settings.front_webhook_secret, timestamp, body),
    }
    return body, headers, ids


async def post(stack: Stack, body: bytes, headers: dict[str, str]) -> httpx.Response:
    return await stack.http.post(f"{stack.app_url}/webhooks/front", content=body, headers=headers)
