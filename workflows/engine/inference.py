"""`step.ai.infer` (the `AIGateway` op): the engine calls the model provider itself.

The answer, or the failure, becomes the step's memo, as on Inngest. The provider's key travels
only in the request's header (or its URL, where the provider wants it there): no message built
here quotes the URL or the headers, so neither can reach a log or a memo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx

# Inngest's limit on a step's output; a larger answer is refused before it fills memory.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
MAX_ERROR_MESSAGE_CHARS = 2000
# How each provider format takes its key; OpenAI's bearer form is what the others accept.
_KEY_HEADERS = {"anthropic": ("x-api-key", "{}"), "gemini": ("x-goog-api-key", "{}")}
_BEARER = ("authorization", "Bearer {}")


@dataclass(frozen=True)
class Answer:
    memo: dict[str, Any]
    failed: bool = False


class _TooLarge(Exception):
    pass


async def infer(http: httpx.AsyncClient, request: dict[str, Any]) -> Answer:
    """POST the op's body to its URL and return the memo: `{data}` or `{error}`."""
    url = request.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        return _failure("the op names no http(s) URL")
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    headers["content-type"] = "application/json"
    if request.get("auth_key"):
        name, value = _KEY_HEADERS.get(str(request.get("format")), _BEARER)
        headers[name] = value.format(request["auth_key"])
    body = json.dumps(request.get("body") or {}).encode()
    try:
        async with http.stream("POST", url, content=body, headers=headers) as response:
            content = await _read_bounded(response)
    except httpx.HTTPError as err:
        return _failure(type(err).__name__)
    except _TooLarge:
        return _failure(f"the answer is over {MAX_ANSWER_BYTES} bytes")
    text = content.decode(errors="replace")
    if response.status_code > 299:
        reason = f"unsuccessful status code: {response.status_code}"
        return _failure(reason, text[:MAX_ERROR_MESSAGE_CHARS])
    try:
        return Answer(memo={"data": json.loads(content)})
    except ValueError:
        return _failure("the answer is not JSON", text[:MAX_ERROR_MESSAGE_CHARS])


async def _read_bounded(response: httpx.Response) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise _TooLarge
    content = bytearray()
    async for chunk in response.aiter_bytes():
        content += chunk
        if len(content) > MAX_ANSWER_BYTES:
            raise _TooLarge
    return bytes(content)


def _failure(reason: str, message: str = "") -> Answer:
    error = {"name": f"Error making AI request: {reason}", "message": message}
    return Answer(memo={"error": error}, failed=True)
