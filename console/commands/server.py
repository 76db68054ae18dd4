"""`support-agent serve`, `engine`, `db upgrade` and `doctor`."""

from __future__ import annotations

import argparse
import asyncio
import logging

from console.doctor import Status, run_checks
from workflows.config import Settings
from workflows.secrets import with_generated_secrets
from workflows.store import current_revision, upgrade_database


def serve(settings: Settings, args: argparse.Namespace) -> int:
    from console.serving import run_server
    from console.serving import serve as serve_all  # the engine, only for what runs it

    run_server(serve_all(settings, migrate=args.migrate))
    return 0


def engine(settings: Settings, _args: argparse.Namespace) -> int:
    from console.serving import run_server, serve_engine

    run_server(serve_engine(settings))
    return 0


def db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    async def upgrade() -> str | None:
        await upgrade_database(settings.database_url)
        return await current_revision(settings.database_url)

    print(f"database at revision {asyncio.run(upgrade())}")
    return 0


def doctor(settings: Settings, args: argparse.Namespace) -> int:
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the report is the output
    # The keys `serve` generated; doctor reads them and never creates any.
    settings = with_generated_secrets(settings, create=False)
    checks = asyncio.run(run_checks(settings, ping_timeout=args.timeout))
    for check in checks:
        print(check.line())
    return 1 if any(check.status is Status.FAILING for check in checks) else 0
