"""`support-agent simulate inbound`: post a signed sample Front webhook to a running server."""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import logging
import secrets
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from console.webhooks.front_signature import sign_app_webhook
from workflows.config import Settings
from workflows.secrets import SecretsError, secrets_path, with_generated_secrets
from workflows.store import create_engine, session_factory
from workflows.store.crud import get_app


class SimulationError(Exception):
    """Why the sample could not be posted, in words for the person at the terminal."""


def build_inbound_webhook(
    *,
    event_id: str,
    conversation_id: str,
    message_id: str,
    inbox_id: str,
    sender_email: str,
    sender_name: str | None,
    subject: str,
    text: str,
    sent_at: float,
) -> dict[str, Any]:
    """An application-webhook envelope shaped like the one Front sends for a new email."""
    return {
        "type": "inbound_received",
        "authorization": {"id": "cmp_local"},
        "payload": {
            "_links": {"self": f"https://api2.frontapp.com/events/{event_id}"},
            "id": event_id,
            "type": "inbound",
            "emitted_at": sent_at,
            "conversation": {"id": conversation_id, "subject": subject, "status": "unassigned"},
            "source": {"_meta": {"type": "inboxes"}, "data": [{"id": inbox_id}]},
            "target": {
                "_meta": {"type": "message"},
                "data": {
                    "id": message_id,
                    "type": "email",
                    "is_inbound": True,
                    "created_at": sent_at,
                    "subject": subject,
                    "blurb": text[:100],
                    "body": f"<p>{html.escape(text)}</p>",
                    "text": text,
                    "recipients": [
                        {"handle": sender_email, "role": "from", "name": sender_name},
                        {"handle": "support@example.com", "role": "to", "name": None},
                    ],
                    "attachments": [],
                },
            },
        },
    }


def new_front_id(prefix: str) -> str:
    """A fresh id in Front's style (`evt_...`, `cnv_...`, `msg_...`)."""
    return f"{prefix}_{secrets.token_hex(8)}"


def inbound(settings: Settings, args: argparse.Namespace) -> int:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the printed lines are the report
    try:
        secret = _webhook_secret(settings)
        inbox_id = args.inbox or _first_inbox(settings.database_url, args.app)
    except SimulationError as error:
        print(f"support-agent: {error}", file=sys.stderr)
        return 1
    event_id, message_id = new_front_id("evt"), new_front_id("msg")
    conversation_id = args.conversation or new_front_id("cnv")
    document = build_inbound_webhook(
        event_id=event_id,
        conversation_id=conversation_id,
        message_id=message_id,
        inbox_id=inbox_id,
        sender_email=args.sender,
        sender_name=args.name,
        subject=args.subject,
        text=args.body,
        sent_at=time.time(),
    )
    body = json.dumps(document).encode()
    timestamp = str(int(time.time() * 1000))
    headers = {
        "content-type": "application/json",
        "x-front-request-timestamp": timestamp,
        "x-front-signature": sign_app_webhook(secret, timestamp, body),
    }
    url = f"{(args.url or settings.public_url).rstrip('/')}/webhooks/front"
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=30)
    except httpx.HTTPError as error:
        print(
            f"support-agent: could not post to {url} ({type(error).__name__}); "
            "is `support-agent serve` running?",
            file=sys.stderr,
        )
        return 1
    print(f"event         {event_id}")
    print(f"conversation  {conversation_id}")
    print(f"status        {response.status_code} {response.reason_phrase}")
    if not response.is_success:
        print(f"support-agent: the server refused it: {response.text[:500]}", file=sys.stderr)
        return 1
    return 0


def _webhook_secret(settings: Settings) -> str:
    """FRONT_APP_SECRET, or the one `serve` generated into the secrets file: what it verifies."""
    try:
        resolved = with_generated_secrets(settings, create=False)
    except SecretsError as error:
        raise SimulationError(str(error)) from None
    if not resolved.front_app_secret:
        raise SimulationError(
            f"no webhook secret: FRONT_APP_SECRET is unset and {secrets_path(settings)} does not "
            "exist yet; start `support-agent serve` once (it generates it), with this environment"
        )
    return resolved.front_app_secret


def _first_inbox(database_url: str, app_id: str) -> str:
    """The app's first Front inbox, read from the database without creating anything."""
    url = make_url(database_url)
    shown = url.render_as_string(hide_password=True)
    upgrade = "run `support-agent db upgrade` (or `support-agent serve`) first, or pass --inbox"
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").is_file():
        raise SimulationError(f"no database at {shown}; {upgrade}")
    try:
        inboxes = asyncio.run(_app_inboxes(database_url, app_id))
    except (SQLAlchemyError, OSError) as error:
        raise SimulationError(
            f"could not read apps from {shown} ({type(error).__name__}); {upgrade}"
        ) from None
    if inboxes is None:
        raise SimulationError(
            f"no app {app_id!r}; add it with `support-agent apps add`, or pass --inbox"
        )
    if not inboxes:
        raise SimulationError(f"app {app_id!r} has no Front inbox; add one, or pass --inbox")
    return inboxes[0]


async def _app_inboxes(database_url: str, app_id: str) -> list[str] | None:
    engine = create_engine(database_url)
    try:
        async with session_factory(engine)() as session:
            app = await get_app(session=session, id=app_id)
            return None if app is None else list(app.front_inbox_ids)
    finally:
        await engine.dispose()
