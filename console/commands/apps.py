"""`support-agent apps`: register the products the desk supports, and list them."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Sequence
from urllib.parse import urlsplit, urlunsplit

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from agent.context import AppPolicy
from agent.money import format_money
from agent.triage import TriageSettings
from console.commands.database import Refused, migrated_session
from workflows.config import Settings
from workflows.integrations.demo_app import DEMO_INTEGRATION_URL
from workflows.integrations.registry import app_policy
from workflows.store import App
from workflows.store.crud import create_app, find_app_by_inbox, get_app, list_apps


def add_app(settings: Settings, args: argparse.Namespace) -> int:
    try:
        secret = _secret(args)
        policy = AppPolicy(
            auto_refund_max_cents=args.auto_refund_max_cents,
            auto_refund_max_age_days=args.auto_refund_max_age_days,
            auto_magic_link=args.auto_magic_link,
        )
        triage = _triage(args)
        app = asyncio.run(_create(settings, args, secret, policy, triage))
    except Refused as refusal:
        print(f"support-agent apps add: {refusal}", file=sys.stderr)
        return 1
    print(f"added app {app.id} ({app.name}) for inboxes {', '.join(app.front_inbox_ids)}")
    return 0


def print_apps(settings: Settings, _args: argparse.Namespace) -> int:
    try:
        apps = asyncio.run(_registered(settings))
    except Refused as refusal:
        print(f"support-agent apps list: {refusal}", file=sys.stderr)
        return 1
    if not apps:
        print("no apps registered; add one with `support-agent apps add`")
        return 0
    header = ["ID", "NAME", "INBOXES", "INTEGRATION", "SLACK", "APPROVERS", "POLICY"]
    print(_table([header, *(_row(app) for app in apps)]))
    return 0


def _triage(args: argparse.Namespace) -> TriageSettings:
    settings: dict[str, object] = {"routes": dict(args.routes)}
    if args.languages:
        settings["languages"] = tuple(dict.fromkeys(code.lower() for code in args.languages))
    try:
        return TriageSettings.model_validate(settings)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise Refused(f"--route: {problems}") from None


async def _create(
    settings: Settings,
    args: argparse.Namespace,
    secret: str,
    policy: AppPolicy,
    triage: TriageSettings,
) -> App:
    async with migrated_session(settings) as session:
        if await get_app(session=session, id=args.id) is not None:
            raise Refused(f"an app with id {args.id!r} already exists")
        for inbox in args.inboxes:
            owner = await find_app_by_inbox(session=session, inbox_id=inbox)
            if owner is not None:
                raise Refused(f"inbox {inbox} already belongs to app {owner.id!r}")
        try:
            app = await create_app(
                session=session,
                id=args.id,
                name=args.name,
                integration_url=args.integration_url,
                integration_secret=secret,
                front_inbox_ids=list(dict.fromkeys(args.inboxes)),
                slack_channel=args.slack_channel,
                approver_ids=list(dict.fromkeys(args.approvers)),
                policy=policy.model_dump(),
            )
            app.triage = triage.model_dump(mode="json", exclude_defaults=True)
            app.banned_phrases = [p for p in args.banned_phrases if p.strip()]
            await session.commit()
        except IntegrityError:
            # Added by someone else between the check and the insert.
            raise Refused(f"an app with id {args.id!r} already exists") from None
        return app


async def _registered(settings: Settings) -> Sequence[App]:
    async with migrated_session(settings) as session:
        return await list_apps(session=session)


def _secret(args: argparse.Namespace) -> str:
    if args.integration_url == DEMO_INTEGRATION_URL:
        return ""  # the demo runs in-process; nothing is signed
    if args.integration_secret_env:
        # Named by the operator on the command line, so it is read here, not by Settings.
        secret = os.environ.get(args.integration_secret_env, "")
        source = f"${args.integration_secret_env}"
    elif sys.stdin.isatty():
        secret = getpass.getpass("integration secret (not echoed): ")
        source = "the prompt"
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
        source = "standard input"
    if not secret.strip():
        raise Refused(f"no integration secret: {source} is empty")
    return secret


def _row(app: App) -> list[str]:
    policy = app_policy(app)
    refunds = (
        f"refunds<={format_money(policy.auto_refund_max_cents)}"
        f"/{policy.auto_refund_max_age_days}d auto"
        if policy.auto_refund_max_cents and policy.auto_refund_max_age_days
        else "refunds need approval"
    )
    links = "login links auto" if policy.auto_magic_link else "login links need approval"
    return [
        app.id,
        app.name,
        ",".join(app.front_inbox_ids) or "-",
        _without_credentials(app.integration_url),
        app.slack_channel or "-",
        ",".join(app.approver_ids) or "-",
        f"{refunds}; {links}",
    ]


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = (
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    )
    return "\n".join(line.rstrip() for line in lines)


def _without_credentials(url: str) -> str:
    # A URL may carry a password (https://user:pass@host); the listing must not show it.
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
