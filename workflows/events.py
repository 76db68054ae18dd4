"""Every event the app sends or waits for: names and payload models, in one place."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from workflows.customer_text import clipper
from workflows.store.models import EMAIL_LENGTH, NAME_LENGTH, SUBJECT_LENGTH

INBOUND_RECEIVED = "front/inbound_received"
APPROVAL_REQUESTED = "action/approval.requested"
ACTION_DECIDED = "action/decided"
ACTION_EXPIRED = "action/expired"
ACTION_EXECUTED = "action/executed"


class EventData(BaseModel):
    # Events outlive deploys: a field added later must not break a run started before it.
    # Events carry ids and short fields, never message bodies: Inngest Cloud takes 256 KiB.
    model_config = ConfigDict(extra="ignore", frozen=True)


class InboundReceived(EventData):
    """A customer's message arrived in an inbox that belongs to an app.

    The message itself is not in the event: the run reads it from Front, or from the local inbox,
    where the webhook keeps it before sending the event. Customer fields are cut to their columns.
    """

    front_event_id: str
    app_id: str
    inbox_id: str
    conversation_id: str
    message_id: str
    sender_email: Annotated[str, AfterValidator(clipper(EMAIL_LENGTH))]
    sender_name: Annotated[str, AfterValidator(clipper(NAME_LENGTH))] | None = None
    subject: Annotated[str, AfterValidator(clipper(SUBJECT_LENGTH))] | None = None
    received_at: datetime


class ApprovalRequested(EventData):
    """A risky action waits for a person; the row in `actions` holds the details."""

    action_id: str
    app_id: str
    conversation_id: str
    tool: str
    params: dict[str, Any] = Field(default_factory=dict)
    expires_at: datetime


class ActionDecided(EventData):
    """A person approved or rejected an action; sent only after the row was compare-and-set."""

    action_id: str
    decision: Literal["approved", "rejected"]
    decided_by: str
    reason: str = ""
    params: dict[str, Any] = Field(default_factory=dict)


class ActionExpired(EventData):
    """Nobody decided in time; the action will never run."""

    action_id: str


class ActionExecuted(EventData):
    """An action ran against the app integration."""

    action_id: str
    result: dict[str, Any] = Field(default_factory=dict)


class FunctionFailed(EventData):
    """`inngest/function.failed`, which on_failure handlers receive: the run, error and event."""

    run_id: str = ""
    error: dict[str, Any] | str | None = None
    event: dict[str, Any] = Field(default_factory=dict)

    @property
    def message(self) -> str:
        if isinstance(self.error, dict):
            return str(self.error.get("message", self.error))
        return self.error or "unknown error"

    @property
    def original_data(self) -> dict[str, Any]:
        """The `data` of the event that started the failed run."""
        data = self.event.get("data")
        return data if isinstance(data, dict) else {}
