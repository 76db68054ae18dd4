"""Approval cards in Slack: post one, update it in place, remind in its thread.

The SDK's own retries are off: the durable engine retries the step, honouring `RateLimited`.
Errors name the method and Slack's error code only, never the token or the request.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from workflows.approvals.view import ActionView
from workflows.config import Settings
from workflows.errors import IntegrationError, RateLimited
from workflows.integrations.slack_blocks import approval_fallback_text, build_approval_blocks

DEFAULT_RETRY_AFTER = 1.0
# Slack's error codes that say "try again later" even when the HTTP status does not.
_TRANSIENT = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def _retry_after(headers: Mapping[str, Any]) -> float:
    raw = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    try:
        seconds = float(raw) if raw is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return seconds if math.isfinite(seconds) and seconds >= 0 else DEFAULT_RETRY_AFTER


def slack_error(method: str, error: SlackApiError) -> IntegrationError:
    """Translate an SDK error: 429 → RateLimited, 5xx and transient codes retryable, else final."""
    status = int(getattr(error.response, "status_code", 0) or 0)
    data = getattr(error.response, "data", None)
    code = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status == 429 or code == "ratelimited":
        headers = getattr(error.response, "headers", None) or {}
        return RateLimited(f"Slack {method}: rate limited", retry_after=_retry_after(headers))
    message = f"Slack {method} failed: {code or f'HTTP {status}'}"
    return IntegrationError(message, retryable=status >= 500 or code in _TRANSIENT)


class SlackCards:
    """A Slack Web API client for approval cards, one token, one base URL."""

    def __init__(self, *, token: str, base_url: str, timeout: int = 10) -> None:
        # The SDK joins method names to the base URL, which therefore needs its final slash.
        base = base_url if base_url.endswith("/") else base_url + "/"
        self._client = AsyncWebClient(
            token=token, base_url=base, timeout=timeout, retry_handlers=[]
        )

    async def post_card(self, channel: str, view: ActionView, *, now: datetime) -> str:
        """Post the card; returns the message's `ts`, which names it for later updates."""
        response = await self._call(
            "chat.postMessage",
            channel=channel,
            text=approval_fallback_text(view),
            blocks=build_approval_blocks(view, now=now),
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    async def update_card(self, channel: str, ts: str, view: ActionView, *, now: datetime) -> None:
        """Redraw the card in place from the action's current state."""
        await self._call(
            "chat.update",
            channel=channel,
            ts=ts,
            text=approval_fallback_text(view),
            blocks=build_approval_blocks(view, now=now),
        )

    async def post_reminder(self, channel: str, ts: str, text: str) -> None:
        """A reply in the card's thread."""
        await self._call("chat.postMessage", channel=channel, thread_ts=ts, text=text)

    async def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]]) -> str:
        """A message that is not a card, such as an alert; returns its `ts`."""
        response = await self._call(
            "chat.postMessage",
            channel=channel,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(response["ts"])

    async def _call(self, method: str, **params: Any) -> dict[str, Any]:
        try:
            response = await self._client.api_call(method, json=params)
        except SlackApiError as error:
            # `from None`: the SDK's error holds the request, headers and token included.
            raise slack_error(method, error) from None
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            message = f"Slack {method}: {type(error).__name__}"
            raise IntegrationError(message, retryable=True) from None
        data = response.data
        return data if isinstance(data, dict) else {}


def slack_cards_for(settings: Settings) -> SlackCards | None:
    """The cards client when a bot token is configured; None means approvals stay in the console."""
    if not settings.slack_bot_token:
        return None
    return SlackCards(token=settings.slack_bot_token, base_url=settings.slack_api_url)
