"""Front webhook bodies: the parts of an inbound-message event we read, and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workflows.events import InboundReceived

APP_INBOUND_TYPE = "inbound_received"  # an application webhook's envelope type
RULE_INBOUND_TYPE = "inbound"  # a rule webhook's body is the event itself


class PayloadError(ValueError):
    """The body is not the JSON we expect; the message says what is wrong, never what was sent."""


class _Part(BaseModel):
    # Front adds fields freely; we read only these.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Recipient(_Part):
    handle: str
    role: str
    name: str | None = None


class Message(_Part):
    id: str
    recipients: list[Recipient]
    text: str | None = None
    body: str | None = None
    subject: str | None = None
    created_at: float | None = None


class MessageTarget(_Part):
    data: Message


class InboxRef(_Part):
    id: str


class InboxSource(_Part):
    data: list[InboxRef] = Field(min_length=1)


class ConversationRef(_Part):
    id: str
    subject: str | None = None


class InboundEvent(_Part):
    """Front's `inbound` event: a message arrived in one or more inboxes."""

    id: str
    conversation: ConversationRef
    source: InboxSource
    target: MessageTarget

    @property
    def inbox_ids(self) -> list[str]:
        return [inbox.id for inbox in self.source.data]

    @property
    def sender(self) -> Recipient:
        return next(r for r in self.target.data.recipients if r.role == "from")


def read_document(body: bytes) -> dict[str, Any]:
    """The body as a JSON object."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        raise PayloadError("body is not valid JSON") from error
    if not isinstance(document, dict):
        raise PayloadError("body must be a JSON object")
    return document


def event_type(document: dict[str, Any]) -> str:
    """The `type` of an application webhook's envelope, or of a rule webhook's event."""
    kind = document.get("type")
    if not isinstance(kind, str) or not kind:
        raise PayloadError("type: field required (a string)")
    return kind


def parse_inbound(document: dict[str, Any], *, rule: bool) -> InboundEvent:
    """The inbound event of an app webhook's envelope (under `payload`) or of a rule webhook."""
    prefix = "" if rule else "payload."
    data = document if rule else document.get("payload")
    if not isinstance(data, dict):
        raise PayloadError("payload: field required (an object)")
    try:
        event = InboundEvent.model_validate(data)
    except ValidationError as error:
        # Where and what, never the offending value: it is customer data.
        problems = [
            f"{prefix}{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()[:5]
        ]
        raise PayloadError("; ".join(problems)) from None
    if not any(r.role == "from" for r in event.target.data.recipients):
        raise PayloadError(f"{prefix}target.data.recipients: no recipient with role 'from'")
    return event


def to_inbound_received(
    event: InboundEvent, *, app_id: str, inbox_id: str, now: datetime
) -> InboundReceived:
    """The event the workflows run on, for the app that owns `inbox_id`."""
    message = event.target.data
    created = message.created_at
    return InboundReceived(
        front_event_id=event.id,
        app_id=app_id,
        inbox_id=inbox_id,
        conversation_id=event.conversation.id,
        message_id=message.id,
        sender_email=event.sender.handle,
        sender_name=event.sender.name,
        subject=message.subject or event.conversation.subject,
        # `text` is the plain-text rendering; `body` (HTML) only when Front gave no text.
        text=message.text or message.body or "",
        received_at=datetime.fromtimestamp(created, UTC) if created is not None else now,
    )
