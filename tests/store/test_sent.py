"""The learning loop's record: edit ratios, and the most edited replies with their conversation."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.store import create_engine, session_factory, upgrade_database
from workflows.store.models import AgentRun, Conversation, Draft, InboxMessage
from workflows.store.sent import edit_ratio, most_edited_drafts, record_sent

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
Sessions = async_sessionmaker[AsyncSession]
AGENT = "Hi Ada,\n\nA login link has been sent to your email.\n\nBest,\nThe team"


def test_a_reply_sent_as_written_has_an_edit_ratio_of_zero() -> None:
    assert edit_ratio(AGENT, AGENT) == 0.0
    # An inbox that re-wraps lines has not edited anything.
    assert edit_ratio(AGENT, AGENT.replace("\n\n", "\n") + "  ") == 0.0


def test_the_edit_ratio_grows_with_the_edit() -> None:
    small = edit_ratio(AGENT, AGENT.replace("Ada", "Ada Lovelace"))
    large = edit_ratio(AGENT, "Hello, we refunded you. Regards, Sam")
    assert 0 < small < 0.2 < large <= 1.0
    assert edit_ratio("abc", "xyz") == 1.0


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[Sessions]:
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


async def _sent(
    sessions: Sessions, conversation_id: str, sent_text: str, *, app: str = "demo"
) -> None:
    async with sessions.begin() as session:
        session.add(
            Conversation(
                id=conversation_id, app_id=app, inbox_id="inb", customer_email="a@example.com"
            )
        )
        session.add(
            InboxMessage(
                id=f"msg_{conversation_id}",
                conversation_id=conversation_id,
                author="customer",
                sender="a@example.com",
                text="I can't log in.",
                sent_at=NOW,
            )
        )
        session.add(
            AgentRun(
                id=f"run_{conversation_id}",
                conversation_id=conversation_id,
                app_id=app,
                model="offline",
                outcome="drafted",
                turns=1,
                input_tokens=1,
                output_tokens=1,
                cache_read_input_tokens=0,
                cache_creation_input_tokens=0,
                context={"conversation_id": conversation_id},
            )
        )
        draft = Draft(
            id=f"drf_{conversation_id}",
            conversation_id=conversation_id,
            body=AGENT,
            run_id=f"run_{conversation_id}",
        )
        session.add(draft)
        await session.flush()
        await record_sent(
            session=session,
            draft=draft,
            sent_text=sent_text,
            sent_by="sam@example.com",
            source="local",
            now=NOW,
        )


async def test_the_most_edited_replies_come_first_with_their_conversation(
    sessions: Sessions,
) -> None:
    await _sent(sessions, "cnv_same", AGENT)
    await _sent(sessions, "cnv_some", AGENT.replace("Best", "Kind regards"))
    await _sent(sessions, "cnv_most", "We have refunded your purchase. Sam")
    await _sent(sessions, "cnv_other", "Totally different", app="other")

    async with sessions() as session:
        edited = await most_edited_drafts(session=session, app_id="demo")
        heavy = await most_edited_drafts(session=session, min_ratio=0.5, limit=1)
        later = await most_edited_drafts(session=session, since=NOW + timedelta(seconds=1))

    assert [e.sent.conversation_id for e in edited] == ["cnv_most", "cnv_some"]
    most = edited[0]
    assert most.sent.agent_text == AGENT
    assert most.sent.sent_text == "We have refunded your purchase. Sam"
    assert most.conversation is not None
    assert most.conversation.customer_email == "a@example.com"
    assert most.run is not None
    assert most.run.context == {"conversation_id": "cnv_most"}
    assert [m.text for m in most.messages] == ["I can't log in."]
    assert [e.sent.conversation_id for e in heavy] == ["cnv_other"]
    assert later == []


async def test_a_draft_is_recorded_once_and_only_when_the_agent_wrote_it(
    sessions: Sessions,
) -> None:
    await _sent(sessions, "cnv_once", AGENT)
    async with sessions.begin() as session:
        draft = await session.get(Draft, "drf_cnv_once")
        assert draft is not None
        again = await record_sent(
            session=session, draft=draft, sent_text="x", sent_by=None, source="front", now=NOW
        )
        teammate = Draft(id="drf_mine", conversation_id="cnv_once", body="mine")
        theirs = await record_sent(
            session=session, draft=teammate, sent_text="x", sent_by=None, source="local", now=NOW
        )
    assert again is None
    assert theirs is None
