"""The app's own database: tables, sessions, CRUD and migrations."""

from __future__ import annotations

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
    "App",
    "AuditEntry",
    "Comment",
    "Conversation",
    "Draft",
    "InboxMessage",
    "create_engine",
    "current_revision",
    "head_revision",
    "session_factory",
    "upgrade_database",
]
