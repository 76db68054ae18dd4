"""Tables of what needs a person: escalated conversations and operational alerts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from workflows.store.models import ID_LENGTH, UtcDateTime, utcnow


def _timestamp() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))


def _optional_timestamp() -> Any:
    return Field(default=None, sa_column=Column(UtcDateTime()))


class Escalation(SQLModel, table=True):
    """A conversation handed to a person: why, who holds it, and whether it is resolved."""

    __tablename__ = "escalations"

    id: str = Field(primary_key=True, max_length=ID_LENGTH)
    conversation_id: str = Field(max_length=ID_LENGTH, index=True)
    # The conversation while the escalation is unresolved, NULL after: at most one open
    # escalation per conversation, on SQLite and PostgreSQL alike (NULLs never collide).
    open_key: str | None = Field(default=None, max_length=ID_LENGTH, unique=True)
    app_id: str | None = Field(default=None, max_length=ID_LENGTH)
    source: str = Field(max_length=20)  # agent | failure | triage
    reason: str
    status: str = Field(default="open", max_length=20, index=True)  # open | claimed | resolved
    assignee: str | None = Field(default=None, max_length=320)
    resolved_by: str | None = Field(default=None, max_length=320)
    resolution: str | None = None
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    resolved_at: datetime | None = _optional_timestamp()


class Alert(SQLModel, table=True):
    """Something that went wrong and a person should see; its key makes it raised only once."""

    __tablename__ = "alerts"

    id: int | None = Field(default=None, primary_key=True)
    # What the alert is about, e.g. "action-failed:act_1": raising it twice writes nothing.
    key: str = Field(max_length=200, unique=True)
    kind: str = Field(max_length=40)
    subject: str = Field(max_length=ID_LENGTH)
    app_id: str | None = Field(default=None, max_length=ID_LENGTH)
    summary: str
    created_at: datetime = _timestamp()
    # Set when a post to Slack is claimed; a post is never made twice, even after a crash.
    posted_at: datetime | None = _optional_timestamp()
    slack_channel: str | None = Field(default=None, max_length=64)
    slack_ts: str | None = Field(default=None, max_length=64)
    dismissed_at: datetime | None = _optional_timestamp()
    dismissed_by: str | None = Field(default=None, max_length=320)
