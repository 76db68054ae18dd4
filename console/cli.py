"""The `support-agent` command line."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from console.commands import apps, simulate, users
from console.doctor import Status, run_checks
from workflows.config import Settings
from workflows.engine.logs import redact_event_keys
from workflows.secrets import SecretsError, with_generated_secrets
from workflows.store import current_revision, upgrade_database

Command = Callable[[Settings, argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load settings once, and run the chosen command."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        print(f"support-agent: invalid configuration\n{error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s %(message)s"
    )
    redact_event_keys()  # httpx logs each event's URL, and the event key is in it
    command: Command = args.command
    try:
        return command(settings, args)
    except SecretsError as error:
        print(f"support-agent: {error}", file=sys.stderr)
        return 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="support-agent",
        description="A support bot that drafts replies and asks a human before risky actions.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="serve the web app, and the embedded engine unless an external Inngest is configured",
        description="Migrate the database, then serve the web app on HOST:PORT and, in embedded "
        "mode, the engine on ENGINE_HOST:ENGINE_PORT in the same process.",
    )
    serve.add_argument(
        "--no-migrate",
        dest="migrate",
        action="store_false",
        help="skip the database upgrade at start (when it runs as a separate release step)",
    )
    serve.set_defaults(command=_serve)

    engine = commands.add_parser(
        "engine",
        help="run the embedded engine alone",
        description="Serve the embedded engine on ENGINE_HOST:ENGINE_PORT; it syncs with the app "
        "at PUBLIC_URL/api/inngest.",
    )
    engine.set_defaults(command=_engine)

    db = commands.add_parser("db", help="manage the database", description="Manage the database.")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = db_commands.add_parser(
        "upgrade",
        help="apply every pending migration",
        description="Bring DATABASE_URL to the newest schema revision; safe to run repeatedly.",
    )
    upgrade.set_defaults(command=_db_upgrade)

    doctor = commands.add_parser(
        "doctor",
        help="check the set-up end to end",
        description="Check the database, the engine, a durable ping run and each external "
        "service; print one line per part and exit 1 if anything is failing.",
    )
    doctor.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds to wait for the ping run to complete (default: 30)",
    )
    doctor.set_defaults(command=_doctor)

    apps.register(commands)
    simulate.register(commands)
    users.register(commands)
    return parser


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from console.serving import serve  # imports the engine only for the commands that run it

    asyncio.run(serve(settings, migrate=args.migrate))
    return 0


def _engine(settings: Settings, _args: argparse.Namespace) -> int:
    from console.serving import serve_engine

    asyncio.run(serve_engine(settings))
    return 0


def _db_upgrade(settings: Settings, _args: argparse.Namespace) -> int:
    async def upgrade() -> str | None:
        await upgrade_database(settings.database_url)
        return await current_revision(settings.database_url)

    print(f"database at revision {asyncio.run(upgrade())}")
    return 0


def _doctor(settings: Settings, args: argparse.Namespace) -> int:
    logging.getLogger("alembic").setLevel(logging.WARNING)  # the report is the output
    # The keys `serve` generated; doctor reads them and never creates any.
    settings = with_generated_secrets(settings, create=False)
    checks = asyncio.run(run_checks(settings, ping_timeout=args.timeout))
    for check in checks:
        print(check.line())
    return 1 if any(check.status is Status.FAILING for check in checks) else 0


if __name__ == "__main__":
    sys.exit(main())
