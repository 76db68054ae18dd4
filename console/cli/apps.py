"""The `apps` command's arguments; `console.commands.apps` does the work."""

from __future__ import annotations

import argparse
from typing import Any
from urllib.parse import urlsplit

from console.cli.lazy import Lazy
from workflows.names import APP_ID_PATTERN, DEMO_INTEGRATION_URL

_COMMANDS = "console.commands.apps"
_NEEDS_UPGRADE = "Needs a migrated database: run `support-agent db upgrade` first."


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `apps` command to the CLI."""
    apps = commands.add_parser(
        "apps",
        help="register and list the products the desk supports",
        description="Register and list the products (apps) the desk supports. " + _NEEDS_UPGRADE,
    )
    actions = apps.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="register an app: its Front inboxes, its integration and who may approve",
        description="Register an app. Its integration answers the app integration contract at "
        "INTEGRATION_URL (or `builtin:demo` for the built-in demo app). The integration secret is "
        "read from the variable named by --integration-secret-env, else from a prompt (or the "
        "first line of standard input); it is never printed. " + _NEEDS_UPGRADE,
    )
    add.add_argument("--id", required=True, type=_app_id, help="short id, e.g. `notes`")
    add.add_argument("--name", required=True, help="display name")
    add.add_argument(
        "--inbox",
        dest="inboxes",
        action="append",
        required=True,
        metavar="INBOX_ID",
        help="a Front inbox id (inb_...) whose messages belong to this app; repeatable",
    )
    add.add_argument(
        "--integration-url",
        required=True,
        type=_integration_url,
        metavar="URL",
        help=f"where the app answers the contract (https://...), or {DEMO_INTEGRATION_URL}",
    )
    add.add_argument(
        "--integration-secret-env",
        metavar="VAR",
        help="environment variable holding the secret that signs calls to the integration",
    )
    add.add_argument("--slack-channel", help="Slack channel for this app's approval cards")
    add.add_argument(
        "--approver",
        dest="approvers",
        action="append",
        default=[],
        metavar="SLACK_USER_ID",
        help="a Slack user allowed to approve this app's actions; repeatable",
    )
    add.add_argument(
        "--auto-refund-max-cents",
        type=_non_negative,
        default=0,
        metavar="N",
        help="refunds up to N cents may run without approval (0, the default: never)",
    )
    add.add_argument(
        "--auto-refund-max-age-days",
        type=_non_negative,
        default=0,
        metavar="N",
        help="... and only for purchases at most N days old (0, the default: never)",
    )
    add.add_argument(
        "--no-auto-magic-link",
        dest="auto_magic_link",
        action="store_false",
        help="ask a human before sending a login link, even to the address on file",
    )
    add.add_argument(
        "--route",
        dest="routes",
        action="append",
        default=[],
        type=_route,
        metavar="KIND=ROUTE",
        help="what a kind of mail gets: draft, skip (no draft, a tag) or human (a tag and a "
        "comment for a person); kinds: support, automated, spam, personal, legal, "
        "foreign_language; repeatable (defaults: automated and spam skip, legal and "
        "foreign_language go to a human, the rest draft)",
    )
    add.add_argument(
        "--language",
        dest="languages",
        action="append",
        default=[],
        metavar="CODE",
        help="a language the app answers in (ISO 639-1, e.g. `de`); repeatable (default: en)",
    )
    add.add_argument(
        "--banned-phrase",
        dest="banned_phrases",
        action="append",
        default=[],
        metavar="TEXT",
        help="a phrase no reply draft may use; repeatable",
    )
    add.set_defaults(command=Lazy(_COMMANDS, "add_app"))

    listing = actions.add_parser(
        "list",
        help="list the registered apps (never their secrets)",
        description="Print one line per registered app. " + _NEEDS_UPGRADE,
    )
    listing.set_defaults(command=Lazy(_COMMANDS, "print_apps"))


def _app_id(value: str) -> str:
    if not APP_ID_PATTERN.fullmatch(value):
        raise argparse.ArgumentTypeError("letters, digits, '-' and '_', at most 64, e.g. `notes`")
    return value


def _integration_url(value: str) -> str:
    if value == DEMO_INTEGRATION_URL:
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"an http(s) URL, or {DEMO_INTEGRATION_URL}")
    return value.rstrip("/")


def _non_negative(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError("a whole number, 0 or more")
    return number


def _route(value: str) -> tuple[str, str]:
    kind, equals, route = value.partition("=")
    if not equals or not kind or not route:
        raise argparse.ArgumentTypeError("KIND=ROUTE, e.g. `personal=skip`")
    return kind.strip(), route.strip()
