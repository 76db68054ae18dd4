"""Inbound messages for flow tests, and reads of what the workflow left behind."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select

from tests.flow.stack import Stack
from workflows.events import INBOUND_RECEIVED, InboundReceived
from workflows.integrations.demo_app import DEMO_APP_ID, DEMO_INBOX_ID
from workflows.services import Services
from workflows.store.models import Action, AgentRun, Comment, Conversation, Draft


class Incoming(InboundReceived):
    """A customer's message: the event, and the text the webhook keeps in the inbox."""

    text: str

    @property
    def event_data(self) -> dict[str, Any]:
        """What the webhook sends: the event without the text."""
        return self.model_dump(mode="json", exclude={"text"})


def inbound(
    text: str,
    *,
    sender: str = "ada@example.com",
    conversation_id: str | None = None,
    at: datetime | None = None,
) -> Incoming:
    """A new customer message in the demo app's inbox, with fresh Front-like ids."""
    return Incoming(
        front_event_id=f"evt_{uuid.uuid4().hex[:12]}",
        app_id=DEMO_APP_ID,
        inbox_id=DEMO_INBOX_ID,
        conversation_id=conversation_id or f"cnv_{uuid.uuid4().hex[:12]}",
        message_id=f"msg_{uuid.uuid4().hex[:12]}",
        sender_email=sender,
        subject="Help",
        text=text,
        received_at=at or datetime.now(UTC),
    )


async def keep(services: Services, message: Incoming) -> None:
    """Keep the message in the local inbox, as the webhook does before sending its event."""
    assert services.local_inbox is not None
    await services.local_inbox.record_inbound(
        conversation_id=message.conversation_id,
        message_id=message.message_id,
        sender=message.sender_email,
        text=message.text,
        sent_at=message.received_at,
    )


async def send(stack: Stack, message: Incoming) -> str:
    """Keep the message and send its event as the webhook would: its id is Front's event id."""
    await keep(stack.services, message)
    return await announce(stack, message)


async def announce(stack: Stack, message: Incoming) -> str:
    """Send the event of a message already kept; the engine's own database takes it."""
    return await stack.harness.send(INBOUND_RECEIVED, message.event_data, id=message.front_event_id)


async def handled(stack: Stack, message: Incoming) -> dict[str, Any]:
    """Send a message and wait for its run to end; returns the run."""
    event_id = await send(stack, message)
    return await stack.harness.finished_run(event_id)


async def drafts(stack: Stack, conversation_id: str, status: str = "draft") -> Sequence[Draft]:
    async with stack.sessions() as session:
        query = select(Draft).where(Draft.conversation_id == conversation_id)
        return (await session.exec(query.where(Draft.status == status))).all()


async def actions(stack: Stack, conversation_id: str) -> Sequence[Action]:
    async with stack.sessions() as session:
        query = select(Action).where(Action.conversation_id == conversation_id)
        return (await session.exec(query.order_by(col(Action.created_at)))).all()


async def comments(stack: Stack, conversation_id: str) -> Sequence[Comment]:
    async with stack.sessions() as session:
        return (
            await session.exec(select(Comment).where(Comment.conversation_id == conversation_id))
        ).all()


async def conversation(stack: Stack, conversation_id: str) -> Conversation | None:
    async with stack.sessions() as session:
        return await session.get(Conversation, conversation_id)


async def agent_runs(stack: Stack, conversation_id: str) -> Sequence[AgentRun]:
    async with stack.sessions() as session:
        query = select(AgentRun).where(AgentRun.conversation_id == conversation_id)
        return (await session.exec(query)).all()
