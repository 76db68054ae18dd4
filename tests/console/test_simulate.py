"""`support-agent simulate inbound` against the real app, served by uvicorn on a free port."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn

from console.app import create_app
from console.cli import main
from console.webhooks.front_signature import verify_app_webhook
from tests.console.front_requests import kept_text, seed_apps
from tests.stand_in import StandIn
from workflows.config import Settings
from workflows.secrets import secrets_path, with_generated_secrets

EVENTS = "/e/test-key"


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stand_in: StandIn) -> Settings:
    """One environment for the command and the server, whose secrets `serve` generated at its
    first start; events go to the stand-in."""
    monkeypatch.chdir(tmp_path)  # no `.env` from the checkout
    for name, value in {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'simulate.db'}",
        "INNGEST_DEV": stand_in.url,
        "INNGEST_EVENT_KEY": "test-key",
        "PUBLIC_URL": "http://127.0.0.1:1",  # every test passes --url or expects no post
    }.items():
        monkeypatch.setenv(name, value)
    stand_in.reply("POST", EVENTS, body={"ids": ["01JEVENT"], "status": 200})
    return with_generated_secrets(Settings())


async def seed(settings: Settings) -> None:
    await seed_apps(settings.database_url, {"acme": ["inb_acme", "inb_acme_billing"], "bare": []})


@asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    """The real app on a free port of 127.0.0.1; yields its base URL."""
    # Listening before uvicorn starts: early requests wait in the backlog, nobody polls.
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    config = uvicorn.Config(create_app(settings), log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        listener.close()


def database_exists(settings: Settings) -> bool:
    return Path(settings.database_url.split("///", 1)[1]).exists()


async def simulate(*args: str) -> int:
    # The command runs its own event loop, as it does from a shell.
    return await asyncio.to_thread(main, ["simulate", "inbound", *args])


def printed(out: str) -> dict[str, str]:
    return dict(line.split(maxsplit=1) for line in out.splitlines())


async def test_a_simulated_email_becomes_one_event_for_the_apps_first_inbox(
    environment: Settings, stand_in: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(environment)
    async with serving(environment) as url:
        code = await simulate(
            "--app", "acme", "--from", "grace@example.com", "--name", "Grace Hopper",
            "--subject", "Refund please", "--body", "I was charged twice.", "--url", url,
        )  # fmt: skip

    assert code == 0
    out = printed(capsys.readouterr().out)
    assert out["event"].startswith("evt_")
    assert out["conversation"].startswith("cnv_")
    assert out["status"] == "202 Accepted"
    [request] = stand_in.received("POST", EVENTS)
    [event] = request.json()
    assert event["id"] == out["event"]
    data = event["data"]
    assert data["front_event_id"] == out["event"]
    assert data["conversation_id"] == out["conversation"]
    assert data["message_id"].startswith("msg_")
    assert (data["app_id"], data["inbox_id"]) == ("acme", "inb_acme")
    assert (data["sender_email"], data["sender_name"]) == ("grace@example.com", "Grace Hopper")
    assert data["subject"] == "Refund please"
    assert await kept_text(environment, data["message_id"]) == "I was charged twice."
    received = datetime.fromisoformat(data["received_at"])
    assert abs((datetime.now(UTC) - received).total_seconds()) < 60


async def test_a_second_message_can_join_the_first_ones_conversation(
    environment: Settings, stand_in: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(environment)
    async with serving(environment) as url:
        first = await simulate("--app", "acme", "--subject", "Hi", "--body", "One", "--url", url)
        conversation = printed(capsys.readouterr().out)["conversation"]
        second = await simulate(
            "--app", "acme", "--subject", "Hi", "--body", "Two", "--url", url,
            "--conversation", conversation,
        )  # fmt: skip
        third = await simulate("--app", "acme", "--subject", "Hi", "--body", "New", "--url", url)

    assert (first, second, third) == (0, 0, 0)
    events = [r.json()[0] for r in stand_in.received("POST", EVENTS)]
    assert len({e["id"] for e in events}) == 3
    assert len({e["data"]["message_id"] for e in events}) == 3
    conversations = [e["data"]["conversation_id"] for e in events]
    assert conversations[:2] == [conversation, conversation]
    assert conversations[2] != conversation
    assert events[0]["data"]["sender_email"] == "ada@example.com"


async def test_a_server_with_another_secret_refuses_it_and_the_command_fails(
    environment: Settings, stand_in: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    await seed(environment)
    other = environment.model_copy(update={"front_app_secret": "the-servers-own-secret"})
    async with serving(other) as url:
        code = await simulate("--app", "acme", "--subject", "Hi", "--body", "x", "--url", url)

    assert code == 1
    captured = capsys.readouterr()
    assert printed(captured.out)["status"] == "401 Unauthorized"
    assert "invalid signature" in captured.err
    assert stand_in.requests == []


async def test_with_an_inbox_given_it_signs_and_posts_without_a_database(
    environment: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    async with StandIn() as front_side:
        front_side.reply("POST", "/webhooks/front", status=202, body={"accepted": "x"})
        code = await simulate(
            "--inbox", "inb_elsewhere", "--subject", "Hi", "--body", "x", "--url", front_side.url
        )

    assert code == 0
    assert not database_exists(environment)
    [request] = front_side.requests
    assert verify_app_webhook(
        environment.front_webhook_secret,
        request.headers["x-front-request-timestamp"],
        request.headers["x-front-signature"],
        request.body,
        now=datetime.now(UTC),
    )
    envelope = request.json()
    assert envelope["type"] == "inbound_received"
    assert envelope["payload"]["source"]["data"] == [{"id": "inb_elsewhere"}]
    assert envelope["payload"]["id"] == printed(capsys.readouterr().out)["event"]


@pytest.mark.parametrize(
    ("app", "seeded", "message"),
    [
        ("demo", False, "run `support-agent db upgrade`"),
        ("nope", True, "no app 'nope'"),
        ("bare", True, "app 'bare' has no Front inbox"),
    ],
    ids=["no-database", "unknown-app", "no-inbox"],
)
async def test_without_an_inbox_to_post_to_it_says_what_to_do(
    environment: Settings,
    stand_in: StandIn,
    capsys: pytest.CaptureFixture[str],
    app: str,
    seeded: bool,
    message: str,
) -> None:
    if seeded:
        await seed(environment)

    code = await simulate("--app", app, "--subject", "Hi", "--body", "x")

    assert code == 1
    captured = capsys.readouterr()
    assert message in captured.err
    assert captured.out == ""
    assert stand_in.requests == []
    assert seeded or not database_exists(environment)


async def test_an_unreachable_server_fails_with_a_hint(
    environment: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    # PUBLIC_URL points at port 1, where nothing listens.
    code = await simulate("--inbox", "inb_acme", "--subject", "Hi", "--body", "x")

    assert code == 1
    assert "is `support-agent serve` running?" in capsys.readouterr().err


async def test_it_signs_with_the_secret_serve_generated_and_never_a_default(
    environment: Settings, stand_in: StandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets_path(environment).unlink()  # as before the first `serve`

    code = await simulate("--inbox", "inb_acme", "--subject", "Hi", "--body", "x")

    assert code == 1
    assert "start `support-agent serve` once" in capsys.readouterr().err
    assert stand_in.requests == []
