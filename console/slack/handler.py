"""`POST /slack/interactions`: a Bolt app verifies Slack's signature, then our listeners run."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import inngest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from console.slack.interactions import register
from workflows.config import Settings
from workflows.services import Services

MAX_BODY_BYTES = 1024 * 1024
NOT_CONFIGURED = (
    "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET. "
    "Approvals happen in the console."
)
logger = logging.getLogger("support_agent.slack")


def create_slack_handler(
    settings: Settings, services: Services, client: inngest.Inngest
) -> AsyncSlackRequestHandler | None:
    """The Bolt handler when a bot token and a signing secret are set, else None."""
    if not (settings.slack_bot_token and settings.slack_signing_secret):
        return None
    base = settings.slack_api_url
    web = AsyncWebClient(
        token=settings.slack_bot_token, base_url=base if base.endswith("/") else base + "/"
    )
    # The token is the client's; giving it to AsyncApp as well only earns a warning.
    app = AsyncApp(signing_secret=settings.slack_signing_secret, client=web, logger=logger)
    register(app, services, client)
    return AsyncSlackRequestHandler(app)


def slack_interactions(
    handler: AsyncSlackRequestHandler | None,
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint: Bolt answers (401 for a bad or stale signature), or 503 without Slack."""

    async def endpoint(request: Request) -> Response:
        if handler is None:
            return PlainTextResponse(NOT_CONFIGURED, status_code=503)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_BODY_BYTES:
            return PlainTextResponse("body larger than 1 MiB", status_code=413)
        return await handler.handle(request)

    return endpoint
