"""The learning loop: each sent reply kept beside the agent's draft, with how much was edited."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.store.models import AgentRun, Conversation, Draft, InboxMessage, SentDraft

Source = Literal["local", "front"]


def edit_ratio(agent_text: str, sent_text: str) -> float:
    """0.0 when the text went out as the agent wrote it, 1.0 when none of it was kept.

    Whitespace is compared as single spaces: an inbox re-wrapping lines is not an edit.
    """
    agent, sent = " ".join(agent_text.split()), " ".join(sent_text.split())
    if agent == sent:
        return 0.0
    similarity = difflib.SequenceMatcher(None, agent, sent, autojunk=False).ratio()
    return round(1.0 - similarity, 4)


def agent_text_of(draft: Draft) -> str:
    """What the agent wrote: kept aside when a person rewrote the draft, else the draft itself."""
    return draft.agent_body if draft.agent_body is not None else draft.body


async def record_sent(
    *,
    session: AsyncSession,
    draft: Draft,
    sent_text: str,
    sent_by: str | None,
    source: Source,
    now: datetime,
) -> SentDraft | None:
    """Keep the sent text beside the agent's draft, once per draft; None for a draft no run wrote
    (there is nothing of the agent's to compare), or one already recorded."""
    if draft.run_id is None or await session.get(SentDraft, draft.id) is not None:
        return None
    conversation = await session.get(Conversation, draft.conversation_id)
    run = await session.get(AgentRun, draft.run_id)
    app_id = conversation.app_id if conversation else run.app_id if run else ""
    agent_text = agent_text_of(draft)
    sent = SentDraft(
        draft_id=draft.id,
        app_id=app_id,
        conversation_id=draft.conversation_id,
        run_id=draft.run_id,
        agent_text=agent_text,
        sent_text=sent_text,
        edit_ratio=edit_ratio(agent_text, sent_text),
        sent_by=sent_by,
        source=source,
        sent_at=now,
    )
    session.add(sent)
    return sent


@dataclass(frozen=True)
class EditedDraft:
    """A sent reply a person changed, with what the agent saw: its run's context and the thread."""

    sent: SentDraft
    conversation: Conversation | None
    run: AgentRun | None
    # The local inbox's messages; empty for Front, whose thread the run's context holds.
    messages: list[InboxMessage]


async def most_edited_drafts(
    *,
    session: AsyncSession,
    app_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    min_ratio: float = 0.0,
    limit: int = 20,
) -> list[EditedDraft]:
    """The sent replies changed most (edit ratio above `min_ratio`), most edited first."""
    query = select(SentDraft).where(col(SentDraft.edit_ratio) > min_ratio)
    if app_id is not None:
        query = query.where(SentDraft.app_id == app_id)
    if since is not None:
        query = query.where(col(SentDraft.sent_at) >= since)
    if until is not None:
        query = query.where(col(SentDraft.sent_at) < until)
    query = query.order_by(col(SentDraft.edit_ratio).desc(), col(SentDraft.sent_at).desc())
    rows = (await session.exec(query.limit(limit))).all()
    edited = []
    for sent in rows:
        messages = await session.exec(
            select(InboxMessage)
            .where(InboxMessage.conversation_id == sent.conversation_id)
            .order_by(col(InboxMessage.sent_at), col(InboxMessage.id))
        )
        edited.append(
            EditedDraft(
                sent=sent,
                conversation=await session.get(Conversation, sent.conversation_id),
                run=await session.get(AgentRun, sent.run_id) if sent.run_id else None,
                messages=list(messages),
            )
        )
    return edited
