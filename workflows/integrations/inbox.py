"""What the workflows need from an inbox, whether Front or the local one kept in our database."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict


class ThreadMessage(BaseModel):
    """One message of a conversation, as any inbox reports it."""

    model_config = ConfigDict(frozen=True)

    id: str
    author: Literal["customer", "agent", "teammate"]
    sender: str
    text: str
    sent_at: datetime


class Inbox(Protocol):
    """Reads conversations and writes drafts, comments and tags; it never sends a message."""

    async def list_messages(self, conversation_id: str) -> list[ThreadMessage]:
        """The conversation's messages, oldest first."""
        ...

    async def message_headers(self, message_id: str) -> dict[str, str]:
        """The message's email headers, names lower-cased; empty when the inbox has none."""
        ...

    async def create_draft(self, conversation_id: str, body: str) -> str:
        """Save a reply draft teammates can review and send; returns the draft's id."""
        ...

    async def delete_draft(self, draft_id: str) -> None:
        """Remove a draft; a draft that is already gone is not an error."""
        ...

    async def draft_version(self, draft_id: str) -> str | None:
        """A token that changes whenever anyone edits the draft; None once it is sent or gone."""
        ...

    async def add_comment(self, conversation_id: str, body: str) -> None:
        """Leave a note for teammates on the conversation."""
        ...

    async def add_tag(self, conversation_id: str, tag: str) -> None:
        """Tag the conversation (by tag name)."""
        ...
