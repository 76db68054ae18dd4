"""Apps and audit entries survive a round trip through a real database."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from workflows.store import create_engine, session_factory, upgrade_database
from workflows.store.crud import (
    create_app,
    get_app,
    list_apps,
    list_audit_entries,
    record_audit,
)


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade_database(database_url)
    engine = create_engine(database_url)
    yield session_factory(engine)
    await engine.dispose()


async def test_created_app_reads_back_in_a_new_session(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await create_app(
            session=session,
            id="acme",
            name="Acme",
            integration_url="https://acme.example/support",
            integration_secret="s3cret",
            front_inbox_ids=["inb_1", "inb_2"],
            slack_channel="C123",
            approver_ids=["U1"],
            policy={"refund": {"auto_below_cents": 1000}},
        )

    async with sessions() as session:
        app = await get_app(session=session, id="acme")

    assert app is not None
    assert app.front_inbox_ids == ["inb_1", "inb_2"]
    assert app.approver_ids == ["U1"]
    assert app.policy == {"refund": {"auto_below_cents": 1000}}
    assert app.slack_channel == "C123"
    assert app.created_at.tzinfo is not None


async def test_apps_are_listed_by_id_and_unknown_ids_are_none(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        for app_id in ("zeta", "alpha"):
            await create_app(
                session=session,
                id=app_id,
                name=app_id.title(),
                integration_url="https://x.example",
                integration_secret="s",
            )

    async with sessions() as session:
        assert [a.id for a in await list_apps(session=session)] == ["alpha", "zeta"]
        assert await get_app(session=session, id="missing") is None


async def test_a_duplicate_app_id_is_refused(sessions: async_sessionmaker[AsyncSession]) -> None:
    async def add(session: AsyncSession) -> None:
        await create_app(
            session=session,
            id="dup",
            name="A",
            integration_url="https://a.example",
            integration_secret="s",
        )

    async with sessions() as session, session.begin():
        await add(session)

    async with sessions() as session:
        with pytest.raises(IntegrityError):
            await add(session)


async def test_audit_entries_come_back_newest_first_and_by_subject(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        await record_audit(session=session, actor="U1", action="approve", subject="act_1")
        await record_audit(
            session=session,
            actor="agent",
            action="propose",
            subject="act_2",
            detail={"tool": "refund"},
        )
        await record_audit(session=session, actor="U2", action="reject", subject="act_1")

    async with sessions() as session:
        everything = await list_audit_entries(session=session)
        for_one = await list_audit_entries(session=session, subject="act_1")

    assert [e.action for e in everything] == ["reject", "propose", "approve"]
    assert everything[1].detail == {"tool": "refund"}
    assert [e.actor for e in for_one] == ["U2", "U1"]
