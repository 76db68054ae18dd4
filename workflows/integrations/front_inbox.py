"""The `Inbox` backed by Front: its messages as `ThreadMessage`s, drafts on the reply channel.

Who wrote an outbound message: a Front user (or visitor) is a "teammate"; a message with no
author, or one written by a bot (an API token, an application, a rule...), is "agent", since no
human wrote it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any, Literal

from workflows.customer_text import clean, clip
from workflows.errors import IntegrationError
from workflows.integrations.front import FrontClient
from workflows.integrations.inbox import ThreadMessage
from workflows.store.models import EMAIL_LENGTH

HUMAN_AUTHOR_TYPES = frozenset({"user", "visitor"})
BLOCK_TAGS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})


class _TextOfHtml(HTMLParser):
    """The readable text of an HTML body: block elements become line breaks, scripts vanish."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._hidden = max(self._hidden - 1, 0)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def text_of_html(html: str) -> str:
    """Plain text of an HTML fragment, one line per block, blank lines dropped."""
    parser = _TextOfHtml()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return "\n".join(line for line in lines if line)


def _handle(message: dict[str, Any], role: str) -> str:
    for recipient in message.get("recipients") or []:
        if isinstance(recipient, dict) and recipient.get("role") == role:
            return str(recipient.get("handle") or "")
    return ""


def thread_message(message: dict[str, Any]) -> ThreadMessage:
    """One Front message (as the Core API lists it) as the workflows read it."""
    author = message.get("author") if isinstance(message.get("author"), dict) else None
    kind: Literal["customer", "agent", "teammate"]
    if message.get("is_inbound"):
        kind, sender = "customer", _handle(message, "from")
    elif author is not None and author.get("type", "user") in HUMAN_AUTHOR_TYPES:
        kind, sender = "teammate", str(author.get("email") or _handle(message, "from"))
    else:
        kind, sender = "agent", _handle(message, "from")
    text = message.get("text")
    if not isinstance(text, str) or not text.strip():
        text = text_of_html(str(message.get("body") or ""))
    return ThreadMessage(
        id=str(message.get("id")),
        author=kind,
        sender=clip(sender, EMAIL_LENGTH),
        text=clean(text),
        sent_at=datetime.fromtimestamp(float(message.get("created_at") or 0), tz=UTC),
    )


class FrontInbox:
    """An `Inbox` over a `FrontClient`; drafts go on a channel of the conversation's inbox."""

    def __init__(self, client: FrontClient) -> None:
        self._client = client
        self._reply_channels: dict[str, str] = {}

    async def list_messages(self, conversation_id: str) -> list[ThreadMessage]:
        listed = await self._client.list_messages(conversation_id)
        # Front lists newest first; reversing before a stable sort keeps equal times in order.
        sent = [thread_message(m) for m in reversed(listed) if not m.get("draft_mode")]
        return sorted(sent, key=lambda m: m.sent_at)

    async def message_headers(self, message_id: str) -> dict[str, str]:
        return await self._client.message_headers(message_id)

    async def create_draft(self, conversation_id: str, body: str) -> str:
        channel_id = await self._reply_channel(conversation_id)
        return await self._client.create_draft(conversation_id, body=body, channel_id=channel_id)

    async def delete_draft(self, draft_id: str) -> None:
        await self._client.delete_draft(draft_id)

    async def draft_version(self, draft_id: str) -> str | None:
        return await self._client.draft_version(draft_id)

    async def add_comment(self, conversation_id: str, body: str) -> None:
        await self._client.add_comment(conversation_id, body)

    async def add_tag(self, conversation_id: str, tag: str) -> None:
        await self._client.add_tag(conversation_id, tag)

    async def _reply_channel(self, conversation_id: str) -> str:
        """The channel a reply goes out on: the first valid one of the conversation's inboxes."""
        if conversation_id in self._reply_channels:
            return self._reply_channels[conversation_id]
        for inbox in await self._client.conversation_inboxes(conversation_id):
            for channel in await self._client.inbox_channels(str(inbox.get("id"))):
                if channel.get("id") and channel.get("is_valid", True):
                    self._reply_channels[conversation_id] = str(channel["id"])
                    return self._reply_channels[conversation_id]
        raise IntegrationError(
            f"Front conversation {conversation_id} has no inbox with a channel to reply on",
            retryable=False,
        )
