"""Actions listed with their app's name and their customer, for the queue and the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.sql.expression import Select

from workflows.services import Services
from workflows.store.models import Action, App, Conversation

# Outer joins: the conversation or the app may be missing, though the types cannot say so.
Joined = Select[Action, Conversation, App]


@dataclass(frozen=True)
class ActionRow:
    """One line of a list of actions."""

    action_id: str
    app_name: str
    tool: str
    params: dict[str, Any]
    status: str
    customer_email: str
    conversation_id: str
    subject: str
    request_line: str
    decided_by: str | None
    decided_at: datetime | None
    created_at: datetime
    updated_at: datetime
    expires_at: datetime | None

    @property
    def target(self) -> str | None:
        """Where a transfer or an email change points: the person it would move things to."""
        value = self.params.get("to_email") or self.params.get("new_email")
        return str(value) if value else None


def joined_actions() -> Joined:
    """Actions with their conversation and app (either may be missing), to narrow and order."""
    return (
        select(Action, Conversation, App)
        .outerjoin(Conversation, col(Conversation.id) == col(Action.conversation_id))
        .outerjoin(App, col(App.id) == col(Action.app_id))
    )


async def action_rows(services: Services, query: Joined) -> list[ActionRow]:
    """Run a narrowed `joined_actions()` query into rows."""
    async with services.sessions() as session:
        found = (await session.exec(query)).all()
    return [_row(action, conversation, app) for action, conversation, app in found]


def _row(action: Action, conversation: Conversation | None, app: App | None) -> ActionRow:
    return ActionRow(
        action_id=action.id,
        app_name=app.name if app is not None else action.app_id,
        tool=action.tool,
        params=action.params,
        status=action.status,
        customer_email=conversation.customer_email if conversation is not None else "",
        conversation_id=action.conversation_id,
        subject=(conversation.subject or "") if conversation is not None else "",
        request_line=action.request_line,
        decided_by=action.decided_by,
        decided_at=action.decided_at,
        created_at=action.created_at,
        updated_at=action.updated_at,
        expires_at=action.expires_at,
    )
