"""A desk's worth of history for the insights page and /metrics: runs, actions, sent replies."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.integrations.demo_app import DEMO_APP_ID, DEMO_INBOX_ID
from workflows.store.crud import record_audit
from workflows.store.models import Action, AgentRun, App, Conversation, SentDraft

# Customer text that would run if the page did not escape it.
HOSTILE_SUBJECT = "<script>alert(1)</script> refund"
HOSTILE_REPLY = "<img src=x onerror=alert(2)> Refunded. Sam"
AGENT_TEXT = "Hi Ada,\nYour refund of $249.00 has been issued.\nBest,\nThe team"


def _run(
    conversation_id: str, at: datetime, cost: float, app_id: str, triage: str | None
) -> AgentRun:
    return AgentRun(
        id=f"run_{conversation_id}",
        conversation_id=conversation_id,
        app_id=app_id,
        model="offline",
        outcome="drafted",
        turns=2,
        input_tokens=100,
        output_tokens=50,
        cache_read_input_tokens=0,
        cache_creation_input_tokens=0,
        cost_usd=cost,
        triage_kind=triage,
        created_at=at,
    )


def _action(name: str, at: datetime, app_id: str, **fields: Any) -> Action:
    values: dict[str, Any] = {
        "id": f"act_{name}",
        "app_id": app_id,
        "conversation_id": f"cnv_{name}",
        "run_id": f"run_{name}",
        "tool": "send_magic_link",
        "params": {},
        "verdict": "needs_approval",
        "status": "pending",
        "created_at": at,
        "updated_at": at,
    } | fields
    return Action(**values)


async def seed_desk(
    sessions: async_sessionmaker[AsyncSession], now: datetime, app_id: str = DEMO_APP_ID
) -> None:
    """Yesterday and today on one app: six outcomes, two refunds, three sent replies."""
    yesterday = now - timedelta(days=1)
    async with sessions.begin() as session:
        if await session.get(App, app_id) is None:
            session.add(
                App(
                    id=app_id,
                    name=app_id,
                    integration_url="http://127.0.0.1:1",
                    integration_secret="s",
                )
            )
        for n, at in enumerate([yesterday, yesterday, now, now]):
            cid = f"cnv_{app_id}_{n}"
            session.add(
                Conversation(
                    id=cid,
                    app_id=app_id,
                    inbox_id=DEMO_INBOX_ID,
                    customer_email="ada@example.com",
                    subject=HOSTILE_SUBJECT if n == 2 else "Help",
                    local=True,
                )
            )
            # Yesterday's two were triaged; today's ran before triage was recorded.
            session.add(
                _run(
                    cid, at, 0.02 * (n + 1), app_id, ["support", "automated"][n] if n < 2 else None
                )
            )
        refund = {"tool": "refund_purchase", "status": "executed", "decided_at": now}
        session.add_all(
            [
                _action(f"{app_id}_auto", now, app_id, verdict="auto", status="executed"),
                _action(
                    f"{app_id}_approved",
                    yesterday,
                    app_id,
                    **refund,
                    params={"amount_cents": 24900, "currency": "USD"},
                ),
                _action(
                    f"{app_id}_edited",
                    now - timedelta(hours=2),
                    app_id,
                    **refund,
                    params={"amount_cents": 500, "currency": "USD"},
                ),
                _action(
                    f"{app_id}_rejected",
                    now - timedelta(minutes=10),
                    app_id,
                    status="rejected",
                    decided_at=now,
                ),
                _action(f"{app_id}_expired", yesterday, app_id, status="expired"),
                _action(f"{app_id}_failed", now, app_id, status="failed", verdict="auto"),
                _action(f"{app_id}_waiting", now, app_id),
            ]
        )
        await record_audit(
            session=session,
            actor="console:approver@example.com",
            action="action.approved",
            subject=f"act_{app_id}_edited",
            detail={"edits": {"amount_cents": 500}},
        )
        await record_audit(
            session=session,
            actor="console:approver@example.com",
            action="action.approved",
            subject=f"act_{app_id}_approved",
            detail={"edits": {}},
        )
        for n, (sent_text, ratio) in enumerate(
            [(AGENT_TEXT, 0.0), (AGENT_TEXT, 0.0), (HOSTILE_REPLY, 0.8)]
        ):
            session.add(
                SentDraft(
                    draft_id=f"drf_{app_id}_{n}",
                    app_id=app_id,
                    conversation_id=f"cnv_{app_id}_{n}",
                    run_id=f"run_cnv_{app_id}_{n}",
                    agent_text=AGENT_TEXT,
                    sent_text=sent_text,
                    edit_ratio=ratio,
                    sent_by="sam@example.com",
                    source="local",
                    sent_at=now,
                )
            )
