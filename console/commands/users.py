"""`support-agent users`: add the people who sign in to the console, and list them."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError

from console.commands.database import Refused, migrated_session
from console.web.passwords import WeakPassword, hash_password
from workflows.config import Settings
from workflows.names import Role
from workflows.store.models import ConsoleUser, utcnow
from workflows.store.users import create_user, get_user_by_email, list_users


def add_user(settings: Settings, args: argparse.Namespace) -> int:
    try:
        if "@" not in args.email:
            raise Refused(f"{args.email!r} is not an email address")
        password_hash = hash_password(_password())
        user = asyncio.run(_create(settings, args.email, args.role, password_hash))
    except (Refused, WeakPassword) as refusal:
        print(f"support-agent users add: {refusal}", file=sys.stderr)
        return 1
    print(f"added {user.role} {user.email}")
    return 0


def print_users(settings: Settings, _args: argparse.Namespace) -> int:
    try:
        users = asyncio.run(_registered(settings))
    except Refused as refusal:
        print(f"support-agent users list: {refusal}", file=sys.stderr)
        return 1
    if not users:
        print("no console users; add one with `support-agent users add`")
    for user in users:
        state = "" if user.active else "  (deactivated)"
        print(f"{user.email}  {user.role}{state}")
    return 0


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("password (not echoed): ")
    if getpass.getpass("password again: ") != first:
        raise Refused("the two passwords differ")
    return first


async def _create(settings: Settings, email: str, role: Role, password_hash: str) -> ConsoleUser:
    async with migrated_session(settings) as session:
        if await get_user_by_email(session=session, email=email) is not None:
            raise Refused(f"a user with email {email.strip().lower()!r} already exists")
        try:
            user = await create_user(
                session=session,
                email=email,
                role=role,
                password_hash=password_hash,
                now=utcnow(),
            )
            await session.commit()
        except IntegrityError:
            raise Refused(f"a user with email {email!r} already exists") from None
        return user


async def _registered(settings: Settings) -> Sequence[ConsoleUser]:
    async with migrated_session(settings) as session:
        return await list_users(session=session)
