"""Front's `outbound_sent` through the real app: our draft is marked sent and the reply kept."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlmodel import select

from tests.console.front_requests import (
    RULE_SECRET,
    encode,
    front_client,
    pointed_at,
    post_app,
    rule_headers,
    seed_acme,
)
from tests.stand_in import StandIn
from workflows.config import Settings
from workflows.store import create_engine, session_factory
from workflows.store.models import Conversation, Draft, SentDraft

AGENT_TEXT = "Hi Ada,\nYour refund of $249.00 has been issued.\nBest,\nThe team"
OUTBOUND: dict[str, Any] = {
    "id": "evt_out1",
    "type": "outbound",
    "conversation": {"id": "cnv_7k2m1p", "subject": "Double charge"},
    "source": {"_meta": {"type": "inboxes"}, "data": [{"id": "inb_acme"}]},
    "target": {
        "_meta": {"type": "message"},
        "data": {
            "id": "msg_drf1",
            "type": "email",
            "is_inbound": False,
            "text": AGENT_TEXT,
            "author": {"email": "sam@acme.test"},
            "recipients": [{"handle": "ada@example.com", "role": "to"}],
        },
    },
}


def outbound(**data: Any) -> dict[str, Any]:
    event = copy.deepcopy(OUTBOUND)
    event["target"]["data"] |= data
    return event


@pytest.fixture
async def client(settings: Settings, stand_in: StandIn) -> AsyncIterator[httpx.AsyncClient]:
    await seed_acme(settings.database_url)
    engine = create_engine(settings.database_url)
    async with session_factory(engine).begin() as session:
        session.add(
            Conversation(
                id="cnv_7k2m1p", app_id="acme", inbox_id="inb_acme", customer_email="ada@x.test"
            )
        )
        session.add(
            Draft(id="msg_drf1", conversation_id="cnv_7k2m1p", body=AGENT_TEXT, run_id="run_1")
        )
    await engine.dispose()
    configured = pointed_at(settings, stand_in).model_copy(
        update={"front_rule_webhook_secret": RULE_SECRET}
    )
    async with front_client(configured) as made:
        yield made


async def _kept(settings: Settings) -> list[SentDraft]:
    engine = create_engine(settings.database_url)
    try:
        async with session_factory(engine)() as session:
            return list((await session.exec(select(SentDraft))).all())
    finally:
        await engine.dispose()


async def test_an_edited_reply_sent_in_front_is_kept_with_its_ratio(
    client: httpx.AsyncClient, settings: Settings, stand_in: StandIn
) -> None:
    edited = AGENT_TEXT.replace("Best,\nThe team", "Sorry again! Sam")

    response = await post_app(client, {"type": "outbound_sent", "payload": outbound(text=edited)})

    assert response.json() == {"recorded": "msg_drf1"}
    [kept] = await _kept(settings)
    assert (kept.agent_text, kept.sent_text, kept.app_id) == (AGENT_TEXT, edited, "acme")
    assert 0.1 < kept.edit_ratio < 0.5
    assert stand_in.requests == []  # nothing is sent on to the engine


async def test_a_sent_message_front_renamed_falls_back_to_the_open_agent_draft(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    html = "<p>Hi Ada,</p><p>Your refund of $249.00 has been issued.</p><p>Best,<br>The team</p>"

    response = await post_app(
        client,
        {"type": "outbound_sent", "payload": outbound(id="msg_other", text=None, body=html)},
    )

    assert response.json() == {"recorded": "msg_drf1"}
    [kept] = await _kept(settings)
    assert kept.edit_ratio == 0.0  # the HTML read as text is what the agent wrote


async def test_a_rule_webhook_for_an_outbound_message_is_kept_too(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    body = encode(outbound())

    response = await client.post("/webhooks/front", content=body, headers=rule_headers(body))

    assert response.json() == {"recorded": "msg_drf1"}
    assert len(await _kept(settings)) == 1


async def test_a_malformed_outbound_event_is_refused_without_echoing_it(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    event = outbound()
    event["target"]["data"]["id"] = "msg/../../secret text"

    response = await post_app(client, {"type": "outbound_sent", "payload": event})

    assert response.status_code == 400
    assert "payload.target.data.id" in response.json()["error"]
    assert "secret text" not in response.text
    assert await _kept(settings) == []
