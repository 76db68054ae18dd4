"""Front webhook bodies: the parts of an inbound-message event we read, and nothing else."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from workflows.customer_text import clean
from workflows.events import InboundReceived
from workflows.store.models import ID_LENGTH

APP_INBOUND_TYPE = "inbound_received"  # an application webhook's envelope type
RULE_INBOUND_TYPE = "inbound"  # a rule webhook's body is the event itself
APP_OUTBOUND_TYPE = "outbound_sent"  # a teammate sent a message (our draft, perhaps edited)
RULE_OUTBOUND_TYPE = "outbound"
# Front's ids (`evt_…`, `cnv_…`, `msg_…`, `inb_…`) are short words; ours are stored in 64.
_FRONT_ID = re.compile(rf"[A-Za-z0-9_-]{{1,{ID_LENGTH}}}")
# Seconds since 1970 up to the end of year 9999, the last a datetime can hold.
LATEST_TIMESTAMP = 253_402_300_799.0


class PayloadError(ValueError):
    """The body is not the JSON we expect; the message says what is wrong, never what was sent."""


def _front_id(value: str) -> str:
    if not _FRONT_ID.fullmatch(value):
        raise ValueError(f"not a Front id (1 to {ID_LENGTH} letters, digits, '_' or '-')")
    return value


FrontId = Annotated[str, AfterValidator(_front_id)]


class _Part(BaseModel):
    # Front adds fields freely; we read only these.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Recipient(_Part):
    handle: str
    role: str
    name: str | None = None


class Message(_Part):
    id: FrontId
    recipients: list[Recipient]
    text: str | None = None
    body: str | None = None
    subject: str | None = None
    created_at: float | None = Field(default=None, ge=0, le=LATEST_TIMESTAMP, allow_inf_nan=False)

    @property
    def readable_text(self) -> str:
        """The plain-text rendering; the body (HTML) only when Front gave no text."""
        return clean(self.text or self.body or "")


class MessageTarget(_Part):
    data: Message


class InboxRef(_Part):
    id: FrontId


class InboxSource(_Part):
    data: list[InboxRef] = Field(min_length=1)


class ConversationRef(_Part):
    id: FrontId
    subject: str | None = None


class InboundEvent(_Part):
    """Front's `inbound` event: a message arrived in one or more inboxes."""

    id: FrontId
    conversation: ConversationRef
    source: InboxSource
    target: MessageTarget

    @property
    def inbox_ids(self) -> list[str]:
        return [inbox.id for inbox in self.source.data]

    @property
    def sender(self) -> Recipient:
        return next(r for r in self.target.data.recipients if r.role == "from")


class Author(_Part):
    email: str | None = None


class SentMessage(_Part):
    id: FrontId
    text: str | None = None
    body: str | None = None
    author: Author | None = None


class SentTarget(_Part):
    data: SentMessage


class OutboundEvent(_Part):
    """Front's `outbound` event: a message went out of the conversation (a sent draft)."""

    id: FrontId
    conversation: ConversationRef
    target: SentTarget


EventT = TypeVar("EventT", bound=_Part)


def read_document(body: bytes) -> dict[str, Any]:
    """The body as a JSON object."""
    try:
        document = json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        raise PayloadError("body is not valid JSON") from error
    if not isinstance(document, dict):
        raise PayloadError("body must be a JSON object")
    try:
        # JSON can spell a lone surrogate ("\ud800"), which no UTF-8 text, so no database, holds.
        json.dumps(document, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        raise PayloadError("body holds an unpaired UTF-16 surrogate") from None
    except RecursionError:  # nested just below the parser's limit, and called from deeper
        raise PayloadError("body is not valid JSON") from None
    return document


def event_type(document: dict[str, Any]) -> str:
    """The `type` of an application webhook's envelope, or of a rule webhook's event."""
    kind = document.get("type")
    if not isinstance(kind, str) or not kind:
        raise PayloadError("type: field required (a string)")
    return kind


def _parse(document: dict[str, Any], model: type[EventT], *, rule: bool) -> EventT:
    """The event of an app webhook's envelope (under `payload`) or of a rule webhook."""
    prefix = "" if rule else "payload."
    data = document if rule else document.get("payload")
    if not isinstance(data, dict):
        raise PayloadError("payload: field required (an object)")
    try:
        return model.model_validate(data)
    except ValidationError as error:
        # Where and what, never the offending value: it is customer data.
        problems = [
            f"{prefix}{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
            for problem in error.errors()[:5]
        ]
        raise PayloadError("; ".join(problems)) from None


def parse_outbound(document: dict[str, Any], *, rule: bool) -> OutboundEvent:
    """The outbound event of an app webhook's envelope or of a rule webhook."""
    return _parse(document, OutboundEvent, rule=rule)


def parse_inbound(document: dict[str, Any], *, rule: bool) -> InboundEvent:
    """The inbound event of an app webhook's envelope (under `payload`) or of a rule webhook."""
    prefix = "" if rule else "payload."
    event = _parse(document, InboundEvent, rule=rule)
    if not any(r.role == "from" for r in event.target.data.recipients):
        raise PayloadError(f"{prefix}target.data.recipients: no recipient with role 'from'")
    return event


def to_inbound_received(
    event: InboundEvent, *, app_id: str, inbox_id: str, now: datetime
) -> InboundReceived:
    """The event the workflows run on, for the app that owns `inbox_id`: ids and short fields."""
    message = event.target.data
    return InboundReceived(
        front_event_id=event.id,
        app_id=app_id,
        inbox_id=inbox_id,
        conversation_id=event.conversation.id,
        message_id=message.id,
        sender_email=event.sender.handle,
        sender_name=event.sender.name,
        subject=message.subject or event.conversation.subject,
        received_at=sent_at(event, now=now),
    )


def sent_at(event: InboundEvent, *, now: datetime) -> datetime:
    """When Front says the message was created, or `now` when it does not say."""
    created = event.target.data.created_at
    return datetime.fromtimestamp(created, UTC) if created is not None else now
