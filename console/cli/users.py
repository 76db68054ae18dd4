"""The `users` command's arguments; `console.commands.users` does the work."""

from __future__ import annotations

import argparse
from typing import Any

from console.cli.lazy import Lazy
from workflows.names import ROLES

_COMMANDS = "console.commands.users"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `users` command to the CLI."""
    users = commands.add_parser(
        "users",
        help="add and list the people who sign in to the console",
        description="Add and list console users. Needs a migrated database.",
    )
    actions = users.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add a console user with a role",
        description="Add a console user. The password is asked for twice at a hidden prompt, or "
        "read from the first line of standard input when that is not a terminal; it is never a "
        "command-line argument. Roles: viewer (reads), approver (also decides and edits drafts), "
        "admin (also manages apps and users).",
    )
    add.add_argument("--email", required=True, help="what the user signs in with")
    add.add_argument("--role", required=True, choices=ROLES, help="what the user may do")
    add.set_defaults(command=Lazy(_COMMANDS, "add_user"))
    listing = actions.add_parser(
        "list", help="list console users", description="Print one line per console user."
    )
    listing.set_defaults(command=Lazy(_COMMANDS, "print_users"))
