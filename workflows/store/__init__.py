"""The app's own database: tables, sessions, CRUD and migrations."""

from __future__ import annotations

from workflows.store.db import create_engine, session_factory
from workflows.store.migrate import current_revision, head_revision, upgrade_database
from workflows.store.models import App, AuditEntry

__all__ = [
    "App",
    "AuditEntry",
    "create_engine",
    "current_revision",
    "head_revision",
    "session_factory",
    "upgrade_database",
]
