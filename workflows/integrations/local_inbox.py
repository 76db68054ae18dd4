"""The inbox kept in our own database, used when no Front token is configured.

Conversations, drafts and comments live in the `conversations`, `inbox_messages`, `drafts` and
`comments` tables; the console shows them, and a reviewer edits and sends drafts there.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.customer_text import clean, clip
from workflows.integrations.inbox import ThreadMessage
from workflows.store.models import (
    EMAIL_LENGTH,
    Comment,
    Conversation,
    Draft,
    InboxMessage,
    utcnow,
)


class LocalInbox:
    """An `Inbox` backed by our database; `record_inbound` is how customer messages arrive."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def record_inbound(
        self, *, conversation_id: str, message_id: str, sender: str, text: str, sent_at: datetime
    ) -> None:
        """Keep a customer's message; recording the same message id again changes nothing."""
        values = {
            "id": message_id,
            "conversation_id": conversation_id,
            "author": "customer",
            "sender": clip(sender, EMAIL_LENGTH),
            "text": clean(text),
            "sent_at": sent_at,
        }
        async with self._sessions.begin() as session:
            connection = await session.connection()
            # One statement that starts as a write: on SQLite a read followed by a write can be
            # refused outright when another writer commits in between, busy timeout or not.
            dialect = connection.dialect.name
            insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            await connection.execute(
                insert(InboxMessage).values(**values).on_conflict_do_nothing(index_elements=["id"])
            )

    async def list_messages(self, conversation_id: str) -> list[ThreadMessage]:
        async with self._sessions() as session:
            rows = await session.exec(
                select(InboxMessage)
                .where(InboxMessage.conversation_id == conversation_id)
                .order_by(col(InboxMessage.sent_at), col(InboxMessage.id))
            )
            return [
                ThreadMessage(
                    id=row.id,
                    author="customer" if row.author == "customer" else "teammate",
                    sender=row.sender,
                    text=row.text,
                    sent_at=row.sent_at,
                )
                for row in rows
            ]

    async def message_headers(self, message_id: str) -> dict[str, str]:
        # Messages reach the local inbox as Front-shaped webhooks, which carry no email headers.
        return {}

    async def create_draft(self, conversation_id: str, body: str) -> str:
        draft_id = f"drf_{uuid.uuid4().hex[:20]}"
        async with self._sessions.begin() as session:
            session.add(Draft(id=draft_id, conversation_id=conversation_id, body=body))
        return draft_id

    async def delete_draft(self, draft_id: str) -> None:
        async with self._sessions.begin() as session:
            draft = await session.get(Draft, draft_id)
            if draft is not None and draft.status == "draft":
                draft.status, draft.updated_at = "deleted", utcnow()

    async def draft_version(self, draft_id: str) -> str | None:
        async with self._sessions() as session:
            draft = await session.get(Draft, draft_id)
        if draft is None or draft.status != "draft":
            return None
        # Any change to the text is a new version.
        return hashlib.sha256(draft.body.encode()).hexdigest()[:16]

    async def add_comment(self, conversation_id: str, body: str) -> None:
        async with self._sessions.begin() as session:
            session.add(Comment(conversation_id=conversation_id, body=body))

    async def add_tag(self, conversation_id: str, tag: str) -> None:
        async with self._sessions.begin() as session:
            conversation = await session.get(Conversation, conversation_id)
            if conversation is not None and tag not in conversation.tags:
                # A new list, so SQLAlchemy sees the JSON column change.
                conversation.tags = [*conversation.tags, tag]
                conversation.updated_at = utcnow()
