"""`POST /slack/interactions` is served only with a signing secret, and never reads a huge body."""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

import pytest

from console.app import MAX_BODY_BYTES
from console.slack.handler import NOT_CONFIGURED, create_slack_handler
from tests.console.conftest import AppClient
from tests.console.slack_requests import SECRET
from workflows.client import create_inngest_client
from workflows.config import Settings
from workflows.services import build_services
from workflows.store import create_engine, session_factory


@pytest.mark.parametrize(
    "slack",
    [
        {"slack_bot_token": "xoxb-test"},
        {"slack_signing_secret": SECRET},
        {},
    ],
    ids=["token-without-signing-secret", "signing-secret-without-token", "neither"],
)
async def test_slack_is_not_served_without_both_a_token_and_a_signing_secret(
    app_client: AppClient, settings: Settings, slack: dict[str, str]
) -> None:
    async with app_client(settings.model_copy(update=slack)) as client:
        response = await client.post(
            "/slack/interactions",
            content=b"payload=%7B%7D",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    assert response.status_code == 503
    assert response.text == NOT_CONFIGURED


async def test_a_body_without_a_length_still_reaches_the_signature_check(
    app_client: AppClient, settings: Settings
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"payload="
        yield b"%7B%7D"

    async with app_client(_configured(settings)) as client:
        response = await client.post(
            "/slack/interactions",
            content=chunks(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    assert response.status_code == 401


def _configured(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"slack_bot_token": "xoxb-test", "slack_signing_secret": SECRET}
    )


async def test_a_body_over_one_mebibyte_is_refused_before_it_is_read(
    app_client: AppClient, settings: Settings
) -> None:
    async with app_client(_configured(settings)) as client:
        response = await client.post(
            "/slack/interactions",
            content=b"x" * (MAX_BODY_BYTES + 1),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    assert MAX_BODY_BYTES == 1024 * 1024
    assert response.status_code == 413
    assert re.search(r"\b1 MiB\b", response.text), response.text


async def test_a_body_of_exactly_one_mebibyte_reaches_the_signature_check(
    app_client: AppClient, settings: Settings
) -> None:
    async with app_client(_configured(settings)) as client:
        response = await client.post(
            "/slack/interactions",
            content=b"x" * MAX_BODY_BYTES,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )

    # Unsigned, so Bolt refuses it: the size alone did not.
    assert response.status_code == 401


@pytest.mark.parametrize("api_url", ["http://127.0.0.1:9/api", "http://127.0.0.1:9/api/"])
async def test_the_slack_client_calls_methods_under_the_configured_api_url(
    settings: Settings, api_url: str
) -> None:
    configured = _configured(settings).model_copy(update={"slack_api_url": api_url})
    db = create_engine(configured)
    services = build_services(configured, session_factory(db))
    try:
        handler = create_slack_handler(configured, services, create_inngest_client(configured))

        assert handler is not None
        # Method names are appended to the base: one slash between, never two, never none.
        assert handler.app.client.base_url == "http://127.0.0.1:9/api/"
        # Bolt's own messages (refused signatures, listener errors) go where the app's logs go.
        assert handler.app.logger is logging.getLogger("support_agent.slack")
    finally:
        await services.aclose()
        await db.dispose()
