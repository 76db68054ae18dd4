"""The local inbox keeps conversations, drafts, comments and tags in our own database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.integrations.local_inbox import LocalInbox
from workflows.store import (
    Comment,
    Conversation,
    Draft,
    create_engine,
    session_factory,
    upgrade_database,
)

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def test_messages_are_recorded_once_and_listed_oldest_first(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = LocalInbox(sessions)
    later = {"conversation_id": "cnv_1", "sender": "a@example.com", "text": "second"}
    await inbox.record_inbound(message_id="msg_2", sent_at=T0 + timedelta(seconds=2), **later)
    await inbox.record_inbound(message_id="msg_2", sent_at=T0 + timedelta(seconds=2), **later)
    await inbox.record_inbound(
        conversation_id="cnv_1",
        message_id="msg_1",
        sender="a@example.com",
        text="first",
        sent_at=T0,
    )

    messages = await inbox.list_messages("cnv_1")

    assert [(m.id, m.author, m.text) for m in messages] == [
        ("msg_1", "customer", "first"),
        ("msg_2", "customer", "second"),
    ]
    assert await inbox.list_messages("cnv_other") == []


async def test_drafts_are_created_and_deleted_and_comments_and_tags_kept(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = LocalInbox(sessions)
    async with sessions.begin() as session:
        session.add(
            Conversation(id="cnv_1", app_id="demo", inbox_id="inb_demo", customer_email="a@x.io")
        )

    draft_id = await inbox.create_draft("cnv_1", "Hello")
    await inbox.delete_draft(draft_id)
    await inbox.delete_draft("drf_missing")  # already gone is not an error
    await inbox.add_comment("cnv_1", "note")
    await inbox.add_tag("cnv_1", "needs-human")
    await inbox.add_tag("cnv_1", "needs-human")

    async with sessions() as session:
        draft = await session.get(Draft, draft_id)
        conversation = await session.get(Conversation, "cnv_1")
        comment = await session.get(Comment, 1)
    assert draft is not None
    assert (draft.body, draft.status) == ("Hello", "deleted")
    assert conversation is not None
    assert conversation.tags == ["needs-human"]
    assert comment is not None
    assert comment.body == "note"


async def test_a_draft_version_changes_with_its_text_and_ends_when_it_is_deleted(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    inbox = LocalInbox(sessions)
    draft_id = await inbox.create_draft("cnv_1", "Hello")
    first = await inbox.draft_version(draft_id)
    async with sessions.begin() as session:
        draft = await session.get(Draft, draft_id)
        assert draft is not None
        draft.body = "Hello, edited by a person"

    assert first is not None
    assert await inbox.draft_version(draft_id) not in (None, first)
    await inbox.delete_draft(draft_id)
    assert await inbox.draft_version(draft_id) is None
