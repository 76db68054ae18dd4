"""An escalation is opened once while unresolved; claim, assign and resolve are compare-and-sets."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from tests.escalations.conftest import CONVERSATION, Desk
from workflows.escalations import ESCALATION_TAG, count_unresolved, escalate
from workflows.escalations.changes import assign, claim, resolve
from workflows.escalations.listing import escalation_rows
from workflows.names import Role
from workflows.store.attention import Escalation
from workflows.store.models import Conversation
from workflows.store.users import create_user


async def _escalations(desk: Desk) -> list[Escalation]:
    async with desk.services.sessions() as session:
        return list(await session.exec(select(Escalation)))


async def _user(desk: Desk, email: str, role: Role, *, active: bool = True) -> None:
    async with desk.services.sessions.begin() as session:
        user = await create_user(
            session=session, email=email, role=role, password_hash="x", now=desk.clock()
        )
        user.active = active


async def test_escalating_tags_the_conversation_and_opens_one_escalation_however_often(
    desk: Desk,
) -> None:
    first = await escalate(
        desk.services, conversation_id=CONVERSATION, source="agent", reason="angry customer"
    )
    again = await escalate(
        desk.services, conversation_id=CONVERSATION, source="failure", reason="run failed"
    )

    assert first == again
    [row] = await _escalations(desk)
    assert (row.source, row.reason, row.status, row.app_id) == (
        "agent",
        "angry customer",
        "open",
        "demo",
    )
    async with desk.services.sessions() as session:
        conversation = await session.get(Conversation, CONVERSATION)
        assert await count_unresolved(session=session) == 1
    assert conversation is not None
    assert ESCALATION_TAG in conversation.tags
    [opened] = await desk.audit("escalation.opened")
    assert opened.subject == first
    assert opened.detail == {"conversation_id": CONVERSATION, "source": "agent"}


async def test_a_resolved_conversation_escalated_again_opens_a_new_escalation(desk: Desk) -> None:
    await _user(desk, "ann@example.com", "approver")
    first = await escalate(desk.services, conversation_id=CONVERSATION, source="agent", reason="a")
    assert (await resolve(desk.services, first, by="ann@example.com", note="called her")).done

    second = await escalate(
        desk.services, conversation_id=CONVERSATION, source="triage", reason="chargeback"
    )

    assert second != first
    assert [r.id for r in await escalation_rows(desk.services, resolved=False)] == [second]
    [done] = await escalation_rows(desk.services, resolved=True)
    assert (done.id, done.escalation.resolution, done.subject) == (
        first,
        "called her",
        "Refund <please>",
    )


async def test_claim_assign_and_resolve_are_audited_and_refused_when_taken(desk: Desk) -> None:
    await _user(desk, "ann@example.com", "approver")
    await _user(desk, "bob@example.com", "admin")
    await _user(desk, "vic@example.com", "viewer")
    await _user(desk, "old@example.com", "approver", active=False)
    escalation_id = await escalate(
        desk.services, conversation_id=CONVERSATION, source="agent", reason="why"
    )

    assert (await claim(desk.services, escalation_id, by="ann@example.com")).done
    taken = await claim(desk.services, escalation_id, by="bob@example.com")
    assert taken.message == "Already claimed by ann@example.com; assign it to take it over."
    for nobody in ("vic@example.com", "old@example.com", "stranger@example.com"):
        refused = await assign(desk.services, escalation_id, to=nobody, by="ann@example.com")
        assert not refused.done, nobody
    assert (
        await assign(desk.services, escalation_id, to="bob@example.com", by="ann@example.com")
    ).done
    desk.clock.advance(timedelta(minutes=5))
    assert (await resolve(desk.services, escalation_id, by="bob@example.com")).done
    late = await claim(desk.services, escalation_id, by="ann@example.com")

    assert late.message == "Already resolved by bob@example.com."
    [row] = await _escalations(desk)
    assert (row.status, row.assignee, row.resolved_by, row.open_key) == (
        "resolved",
        "bob@example.com",
        "bob@example.com",
        None,
    )
    assert row.resolved_at == desk.clock()
    trail = [
        (e.action, e.actor, e.detail)
        for name in ("escalation.claimed", "escalation.assigned", "escalation.resolved")
        for e in await desk.audit(name)
    ]
    assert trail == [
        ("escalation.claimed", "ann@example.com", {"assignee": "ann@example.com"}),
        ("escalation.assigned", "ann@example.com", {"assignee": "bob@example.com"}),
        ("escalation.resolved", "bob@example.com", {"resolution": None}),
    ]
