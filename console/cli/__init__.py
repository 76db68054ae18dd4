"""The `support-agent` command line.

Only `argparse` and the parsers are imported here; a command's implementation is imported when it
runs (see `console.cli.lazy`), so help and usage errors answer at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from console.cli import apps, evals, simulate, users
from console.cli.lazy import Lazy

if TYPE_CHECKING:
    from pydantic import ValidationError

_SERVER = "console.commands.server"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line, load settings once, and run the chosen command."""
    args = build_parser().parse_args(argv)
    command = args.command.load()
    from pydantic import ValidationError

    from console.log_format import configure_logging
    from workflows.config import Settings
    from workflows.engine.logs import redact_event_keys
    from workflows.secrets import SecretsError

    try:
        settings = Settings()
    except ValidationError as error:
        print(f"support-agent: invalid configuration\n{_describe(error)}", file=sys.stderr)
        return 2
    configure_logging(settings)
    redact_event_keys()  # httpx logs each event's URL, and the event key is in it
    try:
        result: int = command(settings, args)
    except SecretsError as error:
        print(f"support-agent: {error}", file=sys.stderr)
        return 2
    return result


def _describe(error: ValidationError) -> str:
    """One line per bad setting, named as the environment variable an operator sets."""
    lines = []
    for problem in error.errors():
        variable = str(problem["loc"][0]) if problem["loc"] else ""
        message = problem["msg"].removeprefix("Value error, ")
        lines.append(f"  {variable.upper() or 'settings'}: {message}")
    return "\n".join(lines)


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
    serve.set_defaults(command=Lazy(_SERVER, "serve"))

    engine = commands.add_parser(
        "engine",
        help="run the embedded engine alone",
        description="Serve the embedded engine on ENGINE_HOST:ENGINE_PORT; it syncs with the app "
        "at PUBLIC_URL/api/inngest.",
    )
    engine.set_defaults(command=Lazy(_SERVER, "engine"))

    db = commands.add_parser("db", help="manage the database", description="Manage the database.")
    db_commands = db.add_subparsers(required=True, metavar="ACTION")
    upgrade = db_commands.add_parser(
        "upgrade",
        help="apply every pending migration",
        description="Bring DATABASE_URL to the newest schema revision; safe to run repeatedly.",
    )
    upgrade.set_defaults(command=Lazy(_SERVER, "db_upgrade"))

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
    doctor.set_defaults(command=Lazy(_SERVER, "doctor"))

    apps.register(commands)
    evals.register(commands)
    simulate.register(commands)
    users.register(commands)
    return parser
