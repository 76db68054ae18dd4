"""The console in-process: a migrated database, three users, a movable clock, signed-in clients."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from console.app import create_app
from console.web.passwords import hash_password
from tests.keys import EVENT_KEY, SECRETS
from tests.stand_in import StandIn
from workflows.config import Settings
from workflows.integrations.demo_app import DEMO_APP_ID, DEMO_INBOX_ID
from workflows.integrations.registry import seed_demo_app
from workflows.names import Role
from workflows.store import upgrade_database
from workflows.store.models import Action, Conversation, Draft, InboxMessage
from workflows.store.users import create_user

PASSWORD = "correct horse battery"
# Hashed once: argon2 is slow on purpose, and every test signs people in.
PASSWORD_HASH = hash_password(PASSWORD)
EMAILS: dict[Role, str] = {
    "viewer": "viewer@example.com",
    "approver": "approver@example.com",
    "admin": "admin@example.com",
}
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class MovableClock:
    """The app's clock in these tests: it moves only when told to."""

    def __init__(self) -> None:
        self.at = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, delta: timedelta) -> None:
        self.at += delta


@dataclass
class Console:
    """The running console app and what tests need to drive it."""

    settings: Settings
    engine: StandIn
    sessions: async_sessionmaker[AsyncSession]
    clock: MovableClock
    client: Callable[[], httpx.AsyncClient]

    async def signed_in(self, role: Role | None) -> httpx.AsyncClient:
        """A new client, signed in with `role` (None: nobody)."""
        client = self.client()
        if role is not None:
            response = await sign_in(client, EMAILS[role], PASSWORD)
            assert response.status_code == 303, response.text
        return client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str, password: str, *, next_path: str = ""
) -> httpx.Response:
    page = await client.get("/console/login")
    return await client.post(
        "/console/login",
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_of(page.text),
            "next": next_path,
        },
    )


async def post_form(
    client: httpx.AsyncClient, path: str, data: dict[str, str] | None = None, *, page: str
) -> httpx.Response:
    """POST a form the way a browser would: with the CSRF token from a page it was shown."""
    token = csrf_of((await client.get(page)).text)
    return await client.post(path, data={**(data or {}), "csrf_token": token})


@pytest.fixture
async def console(database_url: str, stand_in: StandIn) -> AsyncIterator[Console]:
    """The app on a migrated database, with a viewer, an approver and an admin.

    The engine is played by a stand-in that accepts events, so decisions can be seen announced.
    """
    stand_in.reply("POST", f"/e/{EVENT_KEY}", body={"ids": ["evt_decided"], "status": 200})
    settings = Settings(
        _env_file=None,
        database_url=database_url,
        engine_port=int(stand_in.url.rsplit(":", 1)[1]),
        **SECRETS,
    )
    await upgrade_database(settings.database_url)
    clock = MovableClock()
    app = create_app(settings, clock=clock)
    sessions: async_sessionmaker[AsyncSession] = app.state.sessions
    async with sessions.begin() as session:
        await seed_demo_app(session=session)
        for role, email in EMAILS.items():
            await create_user(
                session=session, email=email, role=role, password_hash=PASSWORD_HASH, now=clock()
            )
    clients: list[httpx.AsyncClient] = []

    def client() -> httpx.AsyncClient:
        made = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )
        clients.append(made)
        return made

    async with app.router.lifespan_context(app):
        try:
            yield Console(
                settings=settings,
                engine=stand_in,
                sessions=sessions,
                clock=clock,
                client=client,
            )
        finally:
            for made in clients:
                await made.aclose()


AddAction = Callable[..., Awaitable[str]]


async def add_pending_action(
    console: Console,
    *,
    tool: str = "refund_purchase",
    params: dict[str, Any] | None = None,
    customer: str = "katherine@example.com",
    text: str = "I would like a refund for my team licence please.",
    status: str = "pending",
    expires_in: timedelta = timedelta(hours=24),
) -> str:
    """A conversation in the local inbox with one message, a draft, and one action."""
    conversation_id = f"cnv_{uuid.uuid4().hex[:12]}"
    action_id = f"act_{uuid.uuid4().hex[:12]}"
    now = console.clock()
    async with console.sessions.begin() as session:
        session.add(
            Conversation(
                id=conversation_id,
                app_id=DEMO_APP_ID,
                inbox_id=DEMO_INBOX_ID,
                customer_email=customer,
                subject="Help",
                local=True,
                created_at=now,
                updated_at=now,
            )
        )
        session.add(
            InboxMessage(
                id=f"msg_{uuid.uuid4().hex[:12]}",
                conversation_id=conversation_id,
                author="customer",
                sender=customer,
                text=text,
                sent_at=now,
            )
        )
        session.add(
            Draft(
                id=f"drf_{uuid.uuid4().hex[:12]}",
                conversation_id=conversation_id,
                body="Thanks for writing; our team is reviewing your refund.",
                created_at=now,
                updated_at=now,
            )
        )
        session.add(
            Action(
                id=action_id,
                app_id=DEMO_APP_ID,
                conversation_id=conversation_id,
                run_id=f"run_{uuid.uuid4().hex[:12]}",
                tool=tool,
                params=params
                or {"purchase_id": "pur_katherine_team", "amount_cents": 49900, "reason": "asked"},
                rationale="The customer asked for a refund.",
                verdict="needs_approval",
                policy_reason="refunds over $20 need a person",
                status=status,
                request_line=text,
                expires_at=now + expires_in,
                created_at=now,
                updated_at=now,
            )
        )
    return action_id
