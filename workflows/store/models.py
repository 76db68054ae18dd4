"""The tables the app keeps: apps, conversations, drafts, actions, agent runs, the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel

# Column sizes that customer-supplied values are cut to before they are stored.
ID_LENGTH = 64
EMAIL_LENGTH = 320
NAME_LENGTH = 200
SUBJECT_LENGTH = 500


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC and reads back aware datetimes; SQLite would otherwise return naive ones."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


def _timestamp() -> Any:
    return Field(default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False))


class App(SQLModel, table=True):
    """A product the desk supports: its Front inboxes, its integration and who may approve."""

    __tablename__ = "apps"

    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    front_inbox_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    integration_url: str = Field(max_length=2000)
    integration_secret: str = Field(max_length=500)
    slack_channel: str | None = Field(default=None, max_length=200)
    approver_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    policy: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # What each kind of mail gets and which languages the app answers in (agent.triage).
    triage: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # Phrases no reply draft may use; a draft that does is rewritten once, then flagged.
    banned_phrases: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Approving more than this (minor units) asks the reviewer to confirm first; 0: never.
    confirm_above_cents: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = _timestamp()


class AuditEntry(SQLModel, table=True):
    """One thing somebody (a person or the agent) did, kept for as long as the database lives."""

    __tablename__ = "audit_entries"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _timestamp()
    actor: str = Field(max_length=200)
    action: str = Field(max_length=100, index=True)
    subject: str = Field(max_length=200, index=True)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class Conversation(SQLModel, table=True):
    """A conversation the agent has worked on; for the local inbox, also the conversation itself."""

    __tablename__ = "conversations"

    id: str = Field(primary_key=True, max_length=64)
    app_id: str = Field(max_length=64, index=True)
    inbox_id: str = Field(max_length=64)
    subject: str | None = Field(default=None, max_length=SUBJECT_LENGTH)
    customer_email: str = Field(max_length=EMAIL_LENGTH, index=True)
    # Set for conversations kept by the local inbox, which has no Front behind it.
    local: bool = False
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The newest customer message a finished run answered; an older run does not draft over it.
    answered_message_id: str | None = Field(default=None, max_length=64)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class InboxMessage(SQLModel, table=True):
    """One message of a local-inbox conversation."""

    __tablename__ = "inbox_messages"

    id: str = Field(primary_key=True, max_length=64)
    conversation_id: str = Field(max_length=64, index=True)
    author: str = Field(max_length=20)  # customer | agent | teammate
    sender: str = Field(max_length=EMAIL_LENGTH)
    text: str
    sent_at: datetime = _timestamp()


class Draft(SQLModel, table=True):
    """A reply draft: the local inbox's own, or our copy of one created in Front."""

    __tablename__ = "drafts"

    id: str = Field(primary_key=True, max_length=64)
    conversation_id: str = Field(max_length=64, index=True)
    body: str
    status: str = Field(default="draft", max_length=20)  # draft | sent | deleted
    # Set when a person changed the text; the agent never overwrites their words.
    edited_by: str | None = Field(default=None, max_length=200)
    # The agent run that wrote it, so a later decision can rewrite it from that run's result.
    run_id: str | None = Field(default=None, max_length=64)
    # The inbox's version of the draft as the agent left it; any other version is a person's.
    version: str | None = Field(default=None, max_length=64)
    # The agent's text, kept when a person first rewrites `body`, so a sent reply can be compared.
    agent_body: str | None = None
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class SentDraft(SQLModel, table=True):
    """A reply that went out: the agent's draft beside the text sent, and how much was changed."""

    __tablename__ = "sent_drafts"

    draft_id: str = Field(primary_key=True, max_length=64)
    app_id: str = Field(max_length=64, index=True)
    conversation_id: str = Field(max_length=64, index=True)
    run_id: str | None = Field(default=None, max_length=64)
    agent_text: str
    sent_text: str
    # 0 when sent as the agent wrote it, up to 1 when nothing of it was kept.
    edit_ratio: float
    sent_by: str | None = Field(default=None, max_length=EMAIL_LENGTH)
    source: str = Field(max_length=20)  # local | front
    sent_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(UtcDateTime(), nullable=False, index=True)
    )


class Comment(SQLModel, table=True):
    """A note for teammates on a local-inbox conversation."""

    __tablename__ = "comments"

    id: int | None = Field(default=None, primary_key=True)
    conversation_id: str = Field(max_length=64, index=True)
    body: str
    created_at: datetime = _timestamp()


class Action(SQLModel, table=True):
    """One action the agent proposed, the policy's verdict, and what became of it."""

    __tablename__ = "actions"

    id: str = Field(primary_key=True, max_length=64)
    app_id: str = Field(max_length=64, index=True)
    conversation_id: str = Field(max_length=64, index=True)
    run_id: str = Field(max_length=64)
    tool: str = Field(max_length=64)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rationale: str = ""
    verdict: str = Field(max_length=20)  # auto | needs_approval | refuse
    policy_reason: str = ""
    # pending | approved | rejected | expired | executed | failed | refused
    status: str = Field(max_length=20, index=True)
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    error: str | None = None
    decided_by: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    decision_reason: str | None = None
    expires_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    # The customer's request in one line, as reviewers see it beside the action.
    request_line: str = Field(default="", max_length=500)
    # Where the Slack card is, once posted; the console works without one.
    slack_channel: str | None = Field(default=None, max_length=64)
    slack_ts: str | None = Field(default=None, max_length=64)
    # The approval run that took the outcome (decision, expiry or failure) up; only it acts on it.
    taken_up_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class AgentRun(SQLModel, table=True):
    """What one agent run looked up, proposed and cost, for reviewers and the bill."""

    __tablename__ = "agent_runs"

    id: str = Field(primary_key=True, max_length=64)
    conversation_id: str = Field(max_length=64, index=True)
    app_id: str = Field(max_length=64)
    model: str = Field(max_length=100)
    outcome: str = Field(max_length=20)
    turns: int
    input_tokens: int
    output_tokens: int
    cache_read_input_tokens: int
    cache_creation_input_tokens: int
    cost_usd: float | None = None
    reasoning: str = ""
    tool_calls: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # The whole result, context and transcript, so a decision can rewrite the draft.
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    transcript: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    # What triage made of the message; a run that only triaged has no turns and no draft.
    triage_kind: str | None = Field(default=None, max_length=20)
    triage_reason: str = ""
    triage_by: str | None = Field(default=None, max_length=10)
    # The draft checks the reply still broke after its one rewrite (agent.draft_checks).
    draft_violations: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    redrafted: bool = False
    created_at: datetime = _timestamp()


class DemoOperation(SQLModel, table=True):
    """A change made to the built-in demo app; its state is the sample data plus these, in order."""

    __tablename__ = "demo_operations"

    # The order changes were made in: a transfer may follow an email change in the same second.
    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200, unique=True, index=True)
    method: str = Field(max_length=32)
    request: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    result: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = _timestamp()


class ConsoleUser(SQLModel, table=True):
    """A person who signs in to the console; the role says what they may do there."""

    __tablename__ = "console_users"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=320, unique=True, index=True)
    role: str = Field(max_length=20)  # viewer | approver | admin
    # An argon2 hash; the password itself is never stored.
    password_hash: str = Field(max_length=500)
    active: bool = True
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()
    last_sign_in_at: datetime | None = Field(default=None, sa_column=Column(UtcDateTime()))
    # Remembered in the session cookie; raised by sign-out and password changes, which ends
    # every session made before, copied cookies included.
    session_generation: int = 0


class SignInTries(SQLModel, table=True):
    """Sign-in tries for one email from one address since `window_started_at`.

    A try is counted before its password is checked, in one row per pair, so concurrent guesses
    cannot all pass the limit together.
    """

    __tablename__ = "sign_in_tries"

    email: str = Field(max_length=320, primary_key=True)
    address: str = Field(max_length=64, primary_key=True)
    tries: int = 0
    window_started_at: datetime = _timestamp()
