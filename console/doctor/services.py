"""Checks for the external services: one cheap authenticated call each, when configured."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from console.doctor.check import Check, Status
from workflows.config import Settings

ANTHROPIC_DEFAULT_URL = "https://api.anthropic.com"
ANTHROPIC_API_VERSION = "2023-06-01"


async def check_anthropic(settings: Settings, http: httpx.AsyncClient) -> Check:
    if not settings.anthropic_api_key:
        return Check("anthropic", Status.NOT_CONFIGURED, "ANTHROPIC_API_KEY unset: offline model")
    base = settings.anthropic_base_url or ANTHROPIC_DEFAULT_URL
    headers = {"x-api-key": settings.anthropic_api_key, "anthropic-version": ANTHROPIC_API_VERSION}
    return await probe("anthropic", http, "GET", _join(base, "v1/models"), headers)


async def check_front(settings: Settings, http: httpx.AsyncClient) -> Check:
    if not settings.front_api_token:
        return Check("front", Status.NOT_CONFIGURED, "FRONT_API_TOKEN unset: local inbox")
    headers = {"Authorization": f"Bearer {settings.front_api_token}"}
    return await probe("front", http, "GET", _join(settings.front_api_url, "me"), headers)


async def check_slack(settings: Settings, http: httpx.AsyncClient) -> Check:
    if not settings.slack_bot_token:
        return Check("slack", Status.NOT_CONFIGURED, "SLACK_BOT_TOKEN unset: console approvals")
    headers = {"Authorization": f"Bearer {settings.slack_bot_token}"}
    url = _join(settings.slack_api_url, "auth.test")
    return await probe("slack", http, "POST", url, headers, refusal=_slack_refusal)


def _slack_refusal(response: httpx.Response) -> str | None:
    # Slack answers 200 with {"ok": false, "error": "invalid_auth"} for a bad token.
    body = response.json()
    return None if body.get("ok") else str(body.get("error", "not ok"))


async def probe(
    name: str,
    http: httpx.AsyncClient,
    method: str,
    url: str,
    headers: dict[str, str],
    *,
    refusal: Callable[[httpx.Response], str | None] | None = None,
) -> Check:
    """Make one request; ok when it succeeds, failing with the reason when it does not."""
    try:
        response = await http.request(method, url, headers=headers)
    except httpx.HTTPError as error:
        return Check(name, Status.FAILING, f"cannot reach {url}: {error!r}")
    if response.status_code >= 400:
        return Check(name, Status.FAILING, f"HTTP {response.status_code} from {url}")
    try:
        reason = refusal(response) if refusal else None
    except ValueError:
        reason = "the answer is not JSON"
    if reason:
        return Check(name, Status.FAILING, f"{reason} from {url}")
    return Check(name, Status.OK, url)


def _join(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path}"
