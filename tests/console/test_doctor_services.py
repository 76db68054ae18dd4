"""Doctor's external-service checks: quiet when unconfigured, precise when a service refuses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from console.doctor import Status
from console.doctor.services import check_anthropic, check_front, check_slack
from tests.stand_in import StandIn
from workflows.config import Settings


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5.0) as client:
        yield client


def _configured(settings: Settings, base: str) -> Settings:
    return settings.model_copy(
        update={
            "anthropic_api_key": "sk-ant-test",
            "anthropic_base_url": base,
            "front_api_token": "front-token",
            "front_api_url": base,
            "slack_bot_token": "xoxb-test",
            "slack_api_url": f"{base}/api/",
        }
    )


async def test_services_without_keys_are_not_configured(
    settings: Settings, http: httpx.AsyncClient
) -> None:
    checks = [
        await check_anthropic(settings, http),
        await check_front(settings, http),
        await check_slack(settings, http),
    ]

    assert [(c.name, c.status) for c in checks] == [
        ("anthropic", Status.NOT_CONFIGURED),
        ("front", Status.NOT_CONFIGURED),
        ("slack", Status.NOT_CONFIGURED),
    ]


async def test_services_answering_401_are_failing_with_the_status(
    settings: Settings, http: httpx.AsyncClient, stand_in: StandIn
) -> None:
    for method, path in [("GET", "/v1/models"), ("GET", "/me"), ("POST", "/api/auth.test")]:
        stand_in.reply(method, path, status=401, body={"error": "unauthorized"})
    configured = _configured(settings, stand_in.url)

    checks = [
        await check_anthropic(configured, http),
        await check_front(configured, http),
        await check_slack(configured, http),
    ]

    assert [c.status for c in checks] == [Status.FAILING] * 3
    assert all(c.detail.startswith("HTTP 401 from http://127.0.0.1:") for c in checks)


async def test_services_are_called_with_their_credentials_and_ok_when_accepted(
    settings: Settings, http: httpx.AsyncClient, stand_in: StandIn
) -> None:
    stand_in.reply("GET", "/v1/models", body={"data": []})
    stand_in.reply("GET", "/me", body={"name": "Acme"})
    stand_in.reply("POST", "/api/auth.test", body={"ok": True, "team": "Acme"})
    configured = _configured(settings, stand_in.url)

    checks = [
        await check_anthropic(configured, http),
        await check_front(configured, http),
        await check_slack(configured, http),
    ]

    assert [c.status for c in checks] == [Status.OK] * 3
    [anthropic] = stand_in.received("GET", "/v1/models")
    assert anthropic.headers["x-api-key"] == "sk-ant-test"
    assert stand_in.received("GET", "/me")[0].headers["Authorization"] == "Bearer front-token"
    [slack] = stand_in.received("POST", "/api/auth.test")
    assert slack.headers["Authorization"] == "Bearer xoxb-test"


async def test_slack_refusing_the_token_in_its_body_is_failing(
    settings: Settings, http: httpx.AsyncClient, stand_in: StandIn
) -> None:
    stand_in.reply("POST", "/api/auth.test", body={"ok": False, "error": "invalid_auth"})

    check = await check_slack(_configured(settings, stand_in.url), http)

    assert check.status is Status.FAILING
    assert check.detail.startswith("invalid_auth from ")


async def test_an_unreachable_service_is_failing(
    settings: Settings, http: httpx.AsyncClient, stand_in: StandIn
) -> None:
    closed = stand_in.url
    await stand_in.__aexit__(None, None, None)

    check = await check_front(_configured(settings, closed), http)

    assert check.status is Status.FAILING
    assert check.detail.startswith(f"cannot reach {closed}/me")
