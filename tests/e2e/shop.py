"""A product the desk supports, played by a local server speaking the app integration contract.

Every customer `<name>@example.com` owns one $249 lifetime licence, so each conversation can ask
for a refund that needs a person. Refunds are counted by idempotency key: the same key twice
returns the first answer and changes nothing, as the contract says.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from tests.stand_in import Recorded, StandIn
from workflows.integrations.signing import SIGNATURE_HEADER, verify

SECRET = "shop-integration-secret-for-e2e"
PRICE_CENTS = 24_900


@dataclass
class Refund:
    """One refund that happened: the first request with its key, and when it arrived."""

    idempotency_key: str
    amount_cents: int
    at: float
    answer: dict[str, Any]
    requests: int = 1


@dataclass(frozen=True)
class Hold:
    reached: asyncio.Event
    release: asyncio.Event


class ShopStandIn(StandIn):
    """`async with ShopStandIn() as shop:` serves the contract on `shop.url`."""

    def __init__(self, *, secret: str = SECRET) -> None:
        super().__init__()
        self.secret = secret
        self.refunds: dict[str, Refund] = {}
        self.refund_requests: list[dict[str, Any]] = []
        self.refused = 0
        self.holds: dict[str, Hold] = {}
        self._ids = itertools.count(1)

    def hold_answer(self, purchase_id: str) -> Hold:
        """The next refund of this purchase happens, but its answer waits for `release`."""
        hold = Hold(reached=asyncio.Event(), release=asyncio.Event())
        self.holds[purchase_id] = hold
        return hold

    def release_all(self) -> None:
        for hold in self.holds.values():
            hold.release.set()

    def executions(self, key: str) -> int:
        """How many refunds the key made happen (at most one, or the contract is broken)."""
        return 1 if key in self.refunds else 0

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(
            Recorded(request.method, request.path, dict(request.query), dict(request.headers), body)
        )
        if not verify(self.secret, body, request.headers.get(SIGNATURE_HEADER)):
            self.refused += 1
            response = web.json_response({"error": "bad signature"}, status=401)
        else:
            response = await self._answer(request.path.rsplit("/", 1)[-1], json.loads(body))
        response.force_close()  # no socket outlives a test (ResourceWarnings are errors)
        return response

    async def _answer(self, method: str, payload: dict[str, Any]) -> web.Response:
        match method:
            case "lookup-user":
                return web.json_response({"user": _user(str(payload.get("email", "")))})
            case "purchases":
                return web.json_response({"purchases": [self._purchase(payload["user_id"])]})
            case "refund":
                return await self._refund(payload)
        return web.json_response({"error": f"unknown method {method}"}, status=404)

    def _purchase(self, user_id: str) -> dict[str, Any]:
        purchase_id = f"pur_{user_id.removeprefix('usr_')}"
        refunded = sum(
            r.amount_cents
            for r in self.refunds.values()
            if r.answer.get("purchase_id") == purchase_id
        )
        bought = datetime.now(UTC) - timedelta(days=40)
        return {
            "id": purchase_id,
            "product": "Lifetime licence",
            "amount_cents": PRICE_CENTS,
            "currency": "USD",
            "purchased_at": bought.isoformat(),
            "status": "refunded" if refunded >= PRICE_CENTS else "paid",
            "refunded_cents": refunded,
        }

    async def _refund(self, payload: dict[str, Any]) -> web.Response:
        self.refund_requests.append(payload)
        key = str(payload["idempotency_key"])
        if key in self.refunds:
            self.refunds[key].requests += 1
            return web.json_response(self.refunds[key].answer)
        answer = {
            "refund_id": f"re_{next(self._ids)}",
            "status": "succeeded",
            "purchase_id": payload["purchase_id"],
        }
        amount = int(payload["amount_cents"])
        self.refunds[key] = Refund(key, amount, time.time(), answer)
        hold = self.holds.pop(str(payload["purchase_id"]), None)
        if hold is not None:
            # The refund is done; the caller does not hear so until released, if ever.
            hold.reached.set()
            await hold.release.wait()
        return web.json_response(answer)


def purchase_of(email: str) -> str:
    """The id of the one purchase of the customer with this address."""
    return f"pur_{email.partition('@')[0]}"


def _user(email: str) -> dict[str, Any] | None:
    name, _, domain = email.partition("@")
    if domain != "example.com" or not name:
        return None
    return {
        "id": f"usr_{name}",
        "email": email,
        "name": name.replace("-", " ").title(),
        "created_at": "2025-01-01T00:00:00+00:00",
    }
