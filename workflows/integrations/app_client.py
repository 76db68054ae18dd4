"""An app integration reached over HTTPS: signed JSON to `POST {url}/{method}`."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from agent.context import Customer, Purchase
from workflows.errors import IntegrationError, RateLimited
from workflows.integrations.signing import SIGNATURE_HEADER, sign

# When a 429 names no delay (or an unreadable one), wait this long before the step retries.
DEFAULT_RETRY_AFTER = 5.0
_ERROR_EXCERPT = 200
T = TypeVar("T")

_CUSTOMER = TypeAdapter(Customer | None)
_PURCHASES = TypeAdapter(list[Purchase])


class HttpAppIntegration:
    """`AppIntegration` over HTTP, without retries of its own: the engine retries the step.

    Outside `async with`, each call opens and closes its own connection, so an instance
    built inside a step needs no closing.
    """

    def __init__(
        self,
        *,
        url: str,
        secret: str,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        self._secret = secret
        self._timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None

    def __repr__(self) -> str:
        return f"HttpAppIntegration(url={self.url!r})"

    async def __aenter__(self) -> HttpAppIntegration:
        self._client = self._new_client()
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None

    async def lookup_user(self, email: str) -> Customer | None:
        answer = await self._call("lookup-user", {"email": email})
        return _parse("lookup-user", _CUSTOMER, answer.get("user"))

    async def purchases(self, user_id: str) -> list[Purchase]:
        answer = await self._call("purchases", {"user_id": user_id})
        return _parse("purchases", _PURCHASES, answer.get("purchases"))

    async def refund(
        self, *, purchase_id: str, amount_cents: int, reason: str, idempotency_key: str
    ) -> dict[str, Any]:
        request = {
            "purchase_id": purchase_id,
            "amount_cents": amount_cents,
            "reason": reason,
            "idempotency_key": idempotency_key,
        }
        return _require("refund", await self._call("refund", request), ("refund_id", "status"))

    async def transfer(
        self, *, purchase_id: str, to_email: str, idempotency_key: str
    ) -> dict[str, Any]:
        request = {
            "purchase_id": purchase_id,
            "to_email": to_email,
            "idempotency_key": idempotency_key,
        }
        return _require("transfer", await self._call("transfer", request), ("transfer_id",))

    async def magic_link(self, *, email: str) -> dict[str, Any]:
        return _require("magic-link", await self._call("magic-link", {"email": email}), ("url",))

    async def update_email(
        self, *, user_id: str, new_email: str, idempotency_key: str
    ) -> dict[str, Any]:
        request = {"user_id": user_id, "new_email": new_email, "idempotency_key": idempotency_key}
        return _require("update-email", await self._call("update-email", request), ("ok",))

    async def _call(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"content-type": "application/json", SIGNATURE_HEADER: sign(self._secret, body)}
        url = f"{self.url}/{method}"
        try:
            if self._client is not None:
                response = await self._client.post(url, content=body, headers=headers)
            else:
                async with self._new_client() as client:
                    response = await client.post(url, content=body, headers=headers)
        except httpx.TimeoutException as error:
            raise IntegrationError(
                f"{method}: the app timed out ({type(error).__name__})"
            ) from None
        except httpx.HTTPError as error:
            # The error's text may quote the URL; the type says enough to act on.
            raise IntegrationError(
                f"{method}: could not reach the app ({type(error).__name__})"
            ) from None
        return _answer(method, response)

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self._timeout, transport=self._transport)


def _answer(method: str, response: httpx.Response) -> dict[str, Any]:
    status = response.status_code
    if status == 429:
        raise RateLimited(
            f"{method}: the app is rate limiting us",
            retry_after=_retry_after(response.headers.get("retry-after")),
        )
    if status >= 500:
        raise IntegrationError(f"{method}: the app failed with HTTP {status}")
    if status >= 400:
        raise IntegrationError(
            f"{method}: the app refused with HTTP {status}: {_excerpt(response)}", retryable=False
        )
    if not 200 <= status < 300:
        raise IntegrationError(f"{method}: unexpected HTTP {status} from the app", retryable=False)
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise IntegrationError(f"{method}: the app's answer is not a JSON object", retryable=False)
    return answer


def _parse(method: str, adapter: TypeAdapter[T], value: Any) -> T:
    try:
        return adapter.validate_python(value)
    except ValidationError as error:
        raise IntegrationError(
            f"{method}: the app's answer does not match the contract "
            f"({error.error_count()} errors)",
            retryable=False,
        ) from None


def _require(method: str, answer: dict[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    missing = [key for key in keys if key not in answer]
    if missing:
        raise IntegrationError(
            f"{method}: the app's answer lacks {', '.join(missing)}", retryable=False
        )
    return answer


def _retry_after(value: str | None) -> float:
    if not value:
        return DEFAULT_RETRY_AFTER
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(seconds, 0.0) if math.isfinite(seconds) else DEFAULT_RETRY_AFTER
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return DEFAULT_RETRY_AFTER
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _excerpt(response: httpx.Response) -> str:
    try:
        answer = response.json()
    except ValueError:
        answer = None
    text = answer["error"] if isinstance(answer, dict) and "error" in answer else response.text
    return str(text)[:_ERROR_EXCERPT] or "(no body)"
