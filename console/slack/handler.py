"""`POST /slack/interactions`: a Bolt app verifies Slack's signature, then our listeners run."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from console.slack.signature import verify_slack_signature

if TYPE_CHECKING:
    import inngest
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler

    from workflows.config import Settings
    from workflows.services import Services

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
    # Bolt and our listeners are imported only when Slack is configured: a tenth of a second.
    from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from console.slack.interactions import register

    base = settings.slack_api_url
    web = AsyncWebClient(
        token=settings.slack_bot_token, base_url=base if base.endswith("/") else base + "/"
    )
    # The token is the client's; giving it to AsyncApp as well only earns a warning.
    app = AsyncApp(signing_secret=settings.slack_signing_secret, client=web, logger=logger)
    register(app, services, client)
    return AsyncSlackRequestHandler(app)


def slack_interactions(
    handler: AsyncSlackRequestHandler | None, signing_secret: str | None
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint: 401 for a bad or stale signature, then Bolt answers; 503 without Slack.

    The body was bounded before it got here (the app's body limit).
    """

    async def endpoint(request: Request) -> Response:
        if handler is None or signing_secret is None:
            return PlainTextResponse(NOT_CONFIGURED, status_code=503)
        body = await request.body()  # kept by the request: Bolt reads the same bytes again
        # The real clock, as Bolt's own check after this one uses it.
        if not verify_slack_signature(signing_secret, body, request.headers, now=time.time()):
            logger.warning("refused a Slack request: bad or stale signature")
            return PlainTextResponse("invalid signature", status_code=401)
        try:
            return await handler.handle(request)
        except ValueError:
            # Bolt parses the body while building its request, before any listener runs: a signed
            # body it cannot parse (not UTF-8, a payload that is not JSON) ends up here.
            logger.warning("refused a signed Slack request whose body could not be parsed")
            return PlainTextResponse("malformed body", status_code=400)

    return endpoint
