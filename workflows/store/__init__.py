"""The app's own database: tables, sessions, CRUD and migrations."""

from __future__ import annotations

from workflows.store.attention import Alert, Escalation
from workflows.store.db import create_engine, session_factory
from workflows.store.migrate import current_revision, head_revision, upgrade_database
from workflows.store.models import (
    Action,
    AgentRun,
    App,
    AuditEntry,
    Comment,
    Conversation,
    Draft,
    InboxMessage,
)

__all__ = [
    "Action",
    "AgentRun",
    "Alert",
    "App",
    "AuditEntry",
    "Comment",
    "Conversation",
    "Draft",
    "Escalation",
    "InboxMessage",
    "create_engine",
    "current_revision",
    "head_revision",
    "session_factory",
    "upgrade_database",
]
