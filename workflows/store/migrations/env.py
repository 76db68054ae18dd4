"""Alembic environment: runs on a connection handed over by `upgrade_database`, or opens its own."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

from workflows.store import attention, models  # noqa: F401 - registers the tables on the metadata

target_metadata = SQLModel.metadata


def run_on(connection: Connection) -> None:
    # SQLite cannot ALTER most things in place; batch mode rebuilds tables for later revisions.
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_with_own_engine(url: str) -> None:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(run_on)
    finally:
        await engine.dispose()


def run_offline(url: str) -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


shared = context.config.attributes.get("connection")
if context.is_offline_mode():
    run_offline(context.config.get_main_option("sqlalchemy.url") or "")
elif shared is not None:
    run_on(shared)
else:
    asyncio.run(run_with_own_engine(context.config.get_main_option("sqlalchemy.url") or ""))
