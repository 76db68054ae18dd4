"""The demo app served over HTTP, exactly as a product implements the app integration contract."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from workflows.errors import IntegrationError
from workflows.integrations.demo_app import DemoApp
from workflows.integrations.signing import SIGNATURE_HEADER, verify

Handler = Callable[[DemoApp, dict[str, Any]], Awaitable[dict[str, Any]]]


class _BadRequest(Exception):
    pass


def demo_app_asgi(
    demo: DemoApp, *, secret: str, now: Callable[[], float] | None = None
) -> Starlette:
    """`POST /{method}` for each contract method; 401 unless `x-support-signature` verifies."""

    async def call(request: Request) -> JSONResponse:
        body = await request.body()
        moment = None if now is None else now()
        if not verify(secret, body, request.headers.get(SIGNATURE_HEADER), now=moment):
            return JSONResponse({"error": "invalid or expired signature"}, status_code=401)
        handler = _HANDLERS.get(request.path_params["method"])
        if handler is None:
            return JSONResponse({"error": "no such method"}, status_code=404)
        try:
            return JSONResponse(await handler(demo, _payload(body)))
        except _BadRequest as error:
            return JSONResponse({"error": str(error)}, status_code=400)
        except IntegrationError as error:
            status = 503 if error.retryable else 422
            return JSONResponse({"error": str(error)}, status_code=status)

    return Starlette(routes=[Route("/{method}", call, methods=["POST"])])


def _payload(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise _BadRequest("the body must be a JSON object")
    return payload


def _field(payload: dict[str, Any], name: str, kind: type[Any]) -> Any:
    value = payload.get(name)
    # bool is an int to Python, but `true` is no amount of cents.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _BadRequest(f"{name} must be a {kind.__name__}")
    return value


async def _lookup_user(demo: DemoApp, payload: dict[str, Any]) -> dict[str, Any]:
    user = await demo.lookup_user(_field(payload, "email", str))
    return {"user": user.model_dump(mode="json") if user is not None else None}


async def _purchases(demo: DemoApp, payload: dict[str, Any]) -> dict[str, Any]:
    purchases = await demo.purchases(_field(payload, "user_id", str))
    return {"purchases": [p.model_dump(mode="json") for p in purchases]}


async def _refund(demo: DemoApp, payload: dict[str, Any]) -> dict[str, Any]:
    return await demo.refund(
        purchase_id=_field(payload, "purchase_id", str),
        amount_cents=_field(payload, "amount_cents", int),
        reason=_field(payload, "reason", str),
        idempotency_key=_field(payload, "idempotency_key", str),
    )


async def _transfer(demo: DemoApp, payload: dict[str, Any]) -> dict[str, Any]:
    return await demo.transfer(
        purchase_id=_field(payload, "purchase_id", str),
        to_email=_field(payload, "to_email", str),
        idempotency_key=_field(payload, "idempotency_key", str),
    )


async def _magic_link(demo: DemoApp, payload: dict[str, Any]) -> dict[str, Any]:
    return await demo.magic_link(email=_field(payload, "email", str))


async def _update_email(demo: DemoApp, payload: dict[str, Any]) -> dict[str, Any]:
    return await demo.update_email(
        user_id=_field(payload, "user_id", str),
        new_email=_field(payload, "new_email", str),
        idempotency_key=_field(payload, "idempotency_key", str),
    )


_HANDLERS: dict[str, Handler] = {
    "lookup-user": _lookup_user,
    "purchases": _purchases,
    "refund": _refund,
    "transfer": _transfer,
    "magic-link": _magic_link,
    "update-email": _update_email,
}
