"""The `simulate` command's arguments; `console.commands.simulate` does the work."""

from __future__ import annotations

import argparse
from typing import Any

from console.cli.lazy import Lazy

DEFAULT_APP = "demo"
DEFAULT_SENDER = "ada@example.com"


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `simulate` command to the CLI."""
    simulate = commands.add_parser(
        "simulate",
        help="post sample webhooks to a running server",
        description="Post signed sample webhooks to a running `support-agent serve`.",
    )
    kinds = simulate.add_subparsers(required=True, metavar="KIND")
    inbound = kinds.add_parser(
        "inbound",
        help="a customer's email arriving in an app's Front inbox",
        description="Post a signed Front `inbound_received` webhook for the app's first inbox to "
        "URL/webhooks/front, as Front would, and print the event and conversation ids.",
    )
    inbound.add_argument(
        "--from",
        dest="sender",
        default=DEFAULT_SENDER,
        metavar="EMAIL",
        help=f"the customer's address (default: {DEFAULT_SENDER})",
    )
    inbound.add_argument("--name", help="the customer's display name")
    inbound.add_argument("--subject", required=True, help="the email's subject")
    inbound.add_argument("--body", required=True, help="the email's text")
    inbound.add_argument(
        "--app",
        default=DEFAULT_APP,
        metavar="ID",
        help=f"the app whose first inbox receives it (default: {DEFAULT_APP})",
    )
    inbound.add_argument(
        "--inbox", metavar="INBOX_ID", help="the Front inbox id (inb_...); skips the database"
    )
    inbound.add_argument(
        "--conversation",
        metavar="CONVERSATION_ID",
        help="continue this conversation (cnv_...) instead of starting a new one",
    )
    inbound.add_argument("--url", help="the server's base URL (default: PUBLIC_URL)")
    inbound.set_defaults(command=Lazy("console.commands.simulate", "inbound"))
