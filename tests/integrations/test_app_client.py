"""`HttpAppIntegration` against the demo app served over HTTP, and against a misbehaving app."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.engine.harness import free_port, serve
from tests.integrations.demo_support import clock, migrated_sessions
from tests.stand_in import StandIn
from workflows.errors import IntegrationError, RateLimited
from workflows.integrations.app_client import DEFAULT_RETRY_AFTER, HttpAppIntegration
from workflows.integrations.demo_app import DemoApp
from workflows.integrations.demo_http import demo_app_asgi
from workflows.integrations.signing import SIGNATURE_HEADER, sign, verify

SECRET = "integration-secret-do-not-print"


@pytest.fixture
async def demo_url(tmp_path: Path) -> AsyncIterator[str]:
    """The demo app, over real HTTP on a free port, checking signatures made with SECRET."""
    async with migrated_sessions(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}") as sessions:
        port = free_port()
        async with serve(demo_app_asgi(DemoApp(sessions, clock=clock), secret=SECRET), port):
            yield f"http://127.0.0.1:{port}/"


async def test_every_method_round_trips_through_the_demo_app(demo_url: str) -> None:
    async with HttpAppIntegration(url=demo_url, secret=SECRET) as app:
        ada = await app.lookup_user("ada@example.com")
        nobody = await app.lookup_user("nobody@example.com")
        assert ada is not None
        purchases = await app.purchases(ada.id)
        refund = await app.refund(
            purchase_id="pur_ada_pro", amount_cents=900, reason="r", idempotency_key="act_1"
        )
        repeat = await app.refund(
            purchase_id="pur_ada_pro", amount_cents=900, reason="r", idempotency_key="act_1"
        )
        after = await app.purchases(ada.id)
        transfer = await app.transfer(
            purchase_id="pur_ada_pro", to_email="grace@example.com", idempotency_key="act_2"
        )
        link = await app.magic_link(email="grace@example.com")
        changed = await app.update_email(
            user_id="usr_grace", new_email="grace@navy.example", idempotency_key="act_3"
        )

    assert (ada.id, nobody) == ("usr_ada", None)
    assert [(p.id, p.amount_cents, p.refunded_cents) for p in purchases] == [
        ("pur_ada_pro", 1900, 0)
    ]
    assert repeat == refund
    assert [(p.refunded_cents, p.status) for p in after] == [(900, "partially_refunded")]
    assert transfer["to_user_id"] == "usr_grace"
    assert link["url"].startswith("https://")
    assert changed["ok"] is True


async def test_a_refused_change_is_a_permanent_error_with_the_apps_reason(demo_url: str) -> None:
    app = HttpAppIntegration(url=demo_url, secret=SECRET)

    with pytest.raises(IntegrationError) as refused:
        await app.refund(
            purchase_id="pur_alan_pro", amount_cents=100, reason="r", idempotency_key="k"
        )

    assert refused.value.retryable is False
    assert "HTTP 422" in str(refused.value)
    assert "$1.00 is more than the $0.00 left" in str(refused.value)


async def test_a_wrong_secret_is_refused_and_never_shown(demo_url: str) -> None:
    app = HttpAppIntegration(url=demo_url, secret="not-" + SECRET)

    with pytest.raises(IntegrationError) as refused:
        await app.lookup_user("ada@example.com")

    assert refused.value.retryable is False
    assert "HTTP 401" in str(refused.value)
    assert SECRET not in str(refused.value)
    assert SECRET not in repr(app)


async def test_the_demo_endpoint_refuses_stale_forged_and_malformed_requests(
    tmp_path: Path,
) -> None:
    body = b'{"email":"ada@example.com"}'
    async with migrated_sessions(f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}") as sessions:
        asgi = demo_app_asgi(DemoApp(sessions, clock=clock), secret=SECRET, now=lambda: 2_000.0)
        transport = httpx.ASGITransport(app=asgi)
        async with httpx.AsyncClient(transport=transport, base_url="http://demo") as http:

            async def post(path: str, content: bytes, signature: str) -> int:
                response = await http.post(
                    path, content=content, headers={SIGNATURE_HEADER: signature}
                )
                return response.status_code

            fresh = sign(SECRET, body, timestamp=2_000)
            assert await post("/lookup-user", body, fresh) == 200
            assert await post("/lookup-user", body, sign(SECRET, body, timestamp=1_699)) == 401
            assert await post("/lookup-user", body, sign("forged", body, timestamp=2_000)) == 401
            assert await post("/lookup-user", body + b" ", fresh) == 401
            assert await post("/no-such-method", body, fresh) == 404
            assert await post("/lookup-user", b"[1]", sign(SECRET, b"[1]", timestamp=2_000)) == 400
            amount_as_text = (
                b'{"purchase_id":"pur_ada_pro","amount_cents":"5","reason":"r",'
                b'"idempotency_key":"k"}'
            )
            signed = sign(SECRET, amount_as_text, timestamp=2_000)
            assert await post("/refund", amount_as_text, signed) == 400


async def test_requests_are_signed_json_posts_to_url_slash_method(stand_in: StandIn) -> None:
    stand_in.reply("POST", "/api/lookup-user", body={"user": None})
    app = HttpAppIntegration(url=f"{stand_in.url}/api/", secret=SECRET)

    assert await app.lookup_user("ada@example.com") is None

    [request] = stand_in.requests
    assert request.path == "/api/lookup-user"
    assert request.json() == {"email": "ada@example.com"}
    assert request.headers["Content-Type"] == "application/json"
    assert verify(SECRET, request.body, request.headers[SIGNATURE_HEADER], now=time.time())


@pytest.mark.parametrize(
    ("headers", "retry_after"), [({"retry-after": "7"}, 7.0), ({}, DEFAULT_RETRY_AFTER)]
)
async def test_429_is_rate_limited_with_the_apps_delay(
    stand_in: StandIn, headers: dict[str, str], retry_after: float
) -> None:
    stand_in.reply("POST", "/purchases", status=429, body={}, headers=headers)

    with pytest.raises(RateLimited) as limited:
        await HttpAppIntegration(url=stand_in.url, secret=SECRET).purchases("usr_ada")

    assert limited.value.retry_after == retry_after
    assert limited.value.retryable is True


@pytest.mark.parametrize(
    ("status", "body", "retryable", "message"),
    [
        (500, {"error": "boom"}, True, "HTTP 500"),
        (503, {}, True, "HTTP 503"),
        (400, {"error": "bad purchase id"}, False, "HTTP 400: bad purchase id"),
        (404, {}, False, "HTTP 404"),
        (200, "not an object", False, "not a JSON object"),
        (200, {"purchases": [{"id": "p"}]}, False, "does not match the contract"),
        (200, {"purchases": None}, False, "does not match the contract"),
    ],
)
async def test_failures_say_whether_a_retry_can_help(
    stand_in: StandIn, status: int, body: object, retryable: bool, message: str
) -> None:
    stand_in.reply("POST", "/purchases", status=status, body=body)

    with pytest.raises(IntegrationError) as failed:
        await HttpAppIntegration(url=stand_in.url, secret=SECRET).purchases("usr_ada")

    assert type(failed.value) is IntegrationError
    assert failed.value.retryable is retryable
    assert message in str(failed.value)
    assert SECRET not in str(failed.value)


Change = Callable[[HttpAppIntegration], Awaitable[dict[str, Any]]]


@pytest.mark.parametrize(
    ("method", "answer", "change"),
    [
        (
            "refund",
            {"status": "succeeded"},
            lambda app: app.refund(
                purchase_id="p", amount_cents=1, reason="r", idempotency_key="k"
            ),
        ),
        (
            "transfer",
            {},
            lambda app: app.transfer(purchase_id="p", to_email="b@e.com", idempotency_key="k"),
        ),
        (
            "update-email",
            {"email": "b@e.com"},
            lambda app: app.update_email(user_id="u", new_email="b@e.com", idempotency_key="k"),
        ),
    ],
)
async def test_a_change_answer_without_its_id_is_a_permanent_error(
    stand_in: StandIn, method: str, answer: dict[str, str], change: Change
) -> None:
    stand_in.reply("POST", f"/{method}", body=answer)

    with pytest.raises(IntegrationError, match="answer lacks") as failed:
        await change(HttpAppIntegration(url=stand_in.url, secret=SECRET))

    assert failed.value.retryable is False


async def test_an_unreachable_app_is_worth_retrying() -> None:
    app = HttpAppIntegration(url=f"http://127.0.0.1:{free_port()}", secret=SECRET)

    with pytest.raises(IntegrationError, match="could not reach the app") as failed:
        await app.magic_link(email="ada@example.com")

    assert failed.value.retryable is True


async def test_a_timeout_is_worth_retrying() -> None:
    def time_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    app = HttpAppIntegration(
        url="https://app.example", secret=SECRET, transport=httpx.MockTransport(time_out)
    )

    with pytest.raises(IntegrationError, match="timed out") as failed:
        await app.magic_link(email="ada@example.com")

    assert failed.value.retryable is True
