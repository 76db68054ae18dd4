"""The packaged migrations create the schema the models describe, once."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect
from sqlmodel import SQLModel

from workflows.store import create_engine, current_revision, head_revision, upgrade_database


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_upgrade_creates_the_tables_and_records_head(database_url: str) -> None:
    assert await current_revision(database_url) is None

    await upgrade_database(database_url)

    assert {"apps", "audit_entries", "alembic_version"} <= await _tables(database_url)
    assert await current_revision(database_url) == head_revision()


async def test_upgrade_twice_changes_nothing(database_url: str) -> None:
    await upgrade_database(database_url)
    before = await _tables(database_url)

    await upgrade_database(database_url)

    assert await _tables(database_url) == before
    assert await current_revision(database_url) == head_revision()


async def test_migrated_schema_matches_the_models(database_url: str) -> None:
    await upgrade_database(database_url)

    def differences(connection: Connection) -> list[object]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, SQLModel.metadata))

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await engine.dispose()
