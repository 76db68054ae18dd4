"""`support-agent serve` as a subprocess with local stand-ins for Front, Slack and the product.

The Anthropic side is the offline model (no `ANTHROPIC_API_KEY`), time is the wall clock, and
approvals expire after `APPROVAL_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from tests.conftest import _fresh_postgres_database
from tests.console.slack_requests import ANN
from tests.e2e.desk import (
    CONSOLE_EMAIL,
    CONSOLE_PASSWORD,
    FRONT_SECRET,
    INBOX,
    SLACK_SECRET,
    Desk,
)
from tests.e2e.server import ServeProcess, clean_environment
from tests.e2e.shop import ShopStandIn
from tests.e2e.slack import TimedSlack
from tests.engine.harness import free_port
from tests.integrations.front_stand_in import TOKEN as FRONT_TOKEN
from tests.integrations.front_stand_in import FrontStandIn
from tests.integrations.slack_stand_in import CHANNEL
from tests.integrations.slack_stand_in import TOKEN as SLACK_TOKEN

LOGS = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
APPROVAL_SECONDS = 8
# A desk that is killed and restarted waits longer: a restart on a busy machine takes seconds.
APPROVAL_SECONDS_ACROSS_RESTARTS = 300


def environment(
    database_url: str,
    workdir: Path,
    front: FrontStandIn,
    slack: TimedSlack,
    shop: ShopStandIn,
    *,
    approval_seconds: int = APPROVAL_SECONDS,
) -> dict[str, str]:
    """Everything `serve` reads, given explicitly: free ports, the stand-ins, fixed secrets."""
    port = free_port()
    return clean_environment(
        {
            "DATABASE_URL": database_url,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "PUBLIC_URL": f"http://127.0.0.1:{port}",
            "ENGINE_HOST": "127.0.0.1",
            "ENGINE_PORT": str(free_port()),
            "ENGINE_SIGNING_KEY": "signkey-test-0e2e0e2e0e2e0e2e0e2e0e2e0e2e0e2e",
            "INNGEST_EVENT_KEY": "e2e-event-key",
            "LOG_LEVEL": "INFO",
            "DEMO_APP": "false",
            "KNOWLEDGE_DIR": str(workdir / "knowledge"),
            "APPROVAL_TIMEOUT": f"PT{approval_seconds}S",
            "CONSOLE_SECRET_KEY": "console-secret-key-for-e2e-tests-0123456789",
            "FRONT_API_TOKEN": FRONT_TOKEN,
            "FRONT_API_URL": front.url,
            "FRONT_APP_SECRET": FRONT_SECRET,
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_SIGNING_SECRET": SLACK_SECRET,
            "SLACK_API_URL": slack.api_url,
            "SLACK_APPROVAL_CHANNEL": CHANNEL,
            "SLACK_APPROVER_IDS": ANN["id"],
            "SHOP_SECRET": shop.secret,
        }
    )


async def register_shop(server: ServeProcess, shop: ShopStandIn) -> None:
    """What an operator does once the database is migrated: register the product."""
    await server.command(
        "apps", "add", "--id", "shop", "--name", "Shop", "--inbox", INBOX,
        "--integration-url", shop.url, "--integration-secret-env", "SHOP_SECRET",
        "--slack-channel", CHANNEL, "--approver", ANN["id"],
    )  # fmt: skip


async def add_console_user(server: ServeProcess) -> None:
    await server.command(
        "users", "add", "--email", CONSOLE_EMAIL, "--role", "approver", stdin=CONSOLE_PASSWORD
    )


@pytest_asyncio.fixture(scope="package", loop_scope="package", params=["sqlite", "postgresql"])
async def shared_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """An empty database for the shared desk."""
    async with _database(request.param, tmp_path_factory) as url:
        yield url


@contextlib.asynccontextmanager
async def _database(kind: str, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A SQLite file, or a fresh PostgreSQL database when `TEST_DATABASE_URL` is set."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'desk.db'}"
        return
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    async with _fresh_postgres_database(base) as url:
        yield url


@contextlib.asynccontextmanager
async def opened_desk(
    database_url: str,
    workdir: Path,
    *,
    approval_seconds: int = APPROVAL_SECONDS,
) -> AsyncIterator[Desk]:
    """A desk on this database whose server is not started yet; it is killed on the way out.

    Each desk has its own Front, Slack and product: the desks of a run write as the same
    customers, and one desk's refunds must not be another's history.
    """
    front, slack, shop = FrontStandIn(), TimedSlack(), ShopStandIn()
    async with front, slack, shop:
        front.add_inbox(INBOX)
        async with _served_desk(
            database_url, workdir, front, slack, shop, approval_seconds
        ) as desk:
            yield desk


@contextlib.asynccontextmanager
async def _served_desk(
    database_url: str,
    workdir: Path,
    front: FrontStandIn,
    slack: TimedSlack,
    shop: ShopStandIn,
    approval_seconds: int,
) -> AsyncIterator[Desk]:
    settings = environment(
        database_url, workdir, front, slack, shop, approval_seconds=approval_seconds
    )
    server = ServeProcess(
        environment=settings,
        workdir=workdir,
        log_path=workdir / "serve.log",
    )
    async with (
        httpx.AsyncClient(timeout=30) as http,
        httpx.AsyncClient(base_url=server.url, timeout=30) as console,
    ):
        try:
            yield Desk(server, front, slack, shop, http, console)
        finally:
            server.kill()
            shop.release_all()
            # Kept where CI keeps test output, for reading after a failure.
            LOGS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(server.log_path, LOGS / f"{workdir.name}-serve.log")


@pytest_asyncio.fixture(scope="package", loop_scope="package")
async def desk(
    shared_database: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Desk]:
    """One running desk shared by the scenarios that need no server of their own."""
    async with opened_desk(shared_database, tmp_path_factory.mktemp("desk")) as desk:
        await desk.server.start(desk.http)  # it migrates the database itself
        await asyncio.gather(register_shop(desk.server, desk.shop), add_console_user(desk.server))
        await desk.sign_in()
        yield desk


@pytest_asyncio.fixture(scope="module", loop_scope="package", params=["sqlite", "postgresql"])
async def own_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """An empty database for one module's own desk."""
    async with _database(request.param, tmp_path_factory) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="package")
async def own_desk(
    own_database: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Desk]:
    """A desk for one module, migrated and with the product registered, but not started."""
    workdir = tmp_path_factory.mktemp("own")
    async with opened_desk(
        own_database, workdir, approval_seconds=APPROVAL_SECONDS_ACROSS_RESTARTS
    ) as desk:
        await desk.server.command("db", "upgrade")
        await register_shop(desk.server, desk.shop)
        yield desk


@pytest.fixture(autouse=True)
def _server_logs_on_failure(request: pytest.FixtureRequest) -> Iterator[None]:
    """The servers' recent logs, printed after each test; pytest shows them only on failure."""
    yield
    for name in ("desk", "own_desk"):
        if name in request.fixturenames:
            print(f"--- {name}:", request.getfixturevalue(name).server.log())
