"""`POST /webhooks/front`: verify Front's signature, then hand the message to the workflows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

import inngest
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from console.webhooks.front_payload import (
    APP_INBOUND_TYPE,
    APP_OUTBOUND_TYPE,
    RULE_INBOUND_TYPE,
    RULE_OUTBOUND_TYPE,
    InboundEvent,
    PayloadError,
    event_type,
    parse_inbound,
    parse_outbound,
    read_document,
    to_inbound_received,
)
from console.webhooks.front_sent import record_outbound
from console.webhooks.front_signature import verify_app_webhook, verify_rule_webhook
from workflows.config import Settings
from workflows.events import INBOUND_RECEIVED
from workflows.store import App
from workflows.store.crud import find_app_by_inbox

# A 1 MiB email arrives twice (text and HTML body), and JSON may spell each character in six
# bytes; the event sent on carries neither.
MAX_BODY_BYTES = 8 * 1024 * 1024
TIMESTAMP_HEADER = "x-front-request-timestamp"

Clock = Callable[[], datetime]
logger = logging.getLogger("support_agent.webhooks.front")


async def front_webhook(request: Request) -> Response:
    """Answer Front's setup challenge, or turn an inbound message into `front/inbound_received`."""
    body = await _read_body(request, MAX_BODY_BYTES)
    if body is None:
        return _error(413, f"body larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB")
    clock: Clock = request.app.state.clock
    now = clock()
    # Application webhooks carry a timestamp; rule webhooks sign the body alone.
    rule = TIMESTAMP_HEADER not in request.headers
    if not _verified(request, body, request.app.state.settings, rule=rule, now=now):
        logger.warning("rejected a Front %s webhook: bad or stale signature", _kind(rule))
        return _error(401, "invalid signature")
    challenge = request.headers.get("x-front-challenge")
    if challenge is not None:
        return JSONResponse({"challenge": challenge})
    try:
        document = read_document(body)
        kind = event_type(document)
        if kind == (RULE_OUTBOUND_TYPE if rule else APP_OUTBOUND_TYPE):
            return await record_outbound(request, parse_outbound(document, rule=rule), now=now)
        if kind != (RULE_INBOUND_TYPE if rule else APP_INBOUND_TYPE):
            logger.info("ignored a Front %s webhook of type %r", _kind(rule), kind[:64])
            return JSONResponse({"ignored": kind})
        event = parse_inbound(document, rule=rule)
    except PayloadError as error:
        logger.info("refused a Front %s webhook: %s", _kind(rule), error)
        return _error(400, str(error))
    return await _dispatch(request, event, now=now)


async def _dispatch(request: Request, event: InboundEvent, *, now: datetime) -> Response:
    try:
        async with request.app.state.sessions() as session:
            owner = await _owner(session, event.inbox_ids)
    except (SQLAlchemyError, OSError) as error:  # drivers raise refused connections as OSError
        logger.error("could not look up the inbox of Front event %s: %s", event.id, _name(error))
        return _error(503, "could not look up the inbox; retry later")
    if owner is None:
        logger.warning(
            "Front event %s is for inbox %s, which no app owns: nothing sent",
            event.id,
            ", ".join(event.inbox_ids),
        )
        return JSONResponse({"ignored": "unknown inbox"})
    app, inbox_id = owner
    data = to_inbound_received(event, app_id=app.id, inbox_id=inbox_id, now=now)
    local_inbox = request.app.state.services.local_inbox
    if local_inbox is not None:
        # Without Front, our database is the inbox: the message is in it before its run starts,
        # as it would be in Front, so a run for a later message always sees this one.
        try:
            await local_inbox.record_inbound(
                conversation_id=data.conversation_id,
                message_id=data.message_id,
                sender=data.sender_email,
                text=event.target.data.readable_text,
                sent_at=data.received_at,
            )
        except (SQLAlchemyError, OSError) as error:
            logger.error("could not store Front event %s: %s", event.id, _name(error))
            return _error(503, "could not store the message; retry later")
    client: inngest.Inngest = request.app.state.inngest
    try:
        # Front's event id is the Inngest event id: a redelivered webhook starts no second run.
        await client.send(
            inngest.Event(name=INBOUND_RECEIVED, data=data.model_dump(mode="json"), id=event.id)
        )
    except Exception as error:  # whatever went wrong, the event was not accepted
        # Only the kind of failure: the message may carry the event API's URL and key.
        logger.error("could not send Front event %s: %s; answering 503", event.id, _name(error))
        return _error(503, "event not accepted; retry later")
    logger.info(
        "accepted Front event %s for app %s, conversation %s",
        event.id,
        app.id,
        event.conversation.id,
    )
    return JSONResponse({"accepted": event.id}, status_code=202)


async def _owner(session: AsyncSession, inbox_ids: Sequence[str]) -> tuple[App, str] | None:
    """The first app that owns one of the inboxes the message landed in."""
    for inbox_id in inbox_ids:
        app = await find_app_by_inbox(session=session, inbox_id=inbox_id)
        if app is not None:
            return app, inbox_id
    return None


def _verified(
    request: Request, body: bytes, settings: Settings, *, rule: bool, now: datetime
) -> bool:
    signature = request.headers.get("x-front-signature")
    if not rule:
        timestamp = request.headers.get(TIMESTAMP_HEADER)
        return verify_app_webhook(
            settings.front_webhook_secret, timestamp, signature, body, now=now
        )
    secret = settings.front_rule_webhook_secret
    return secret is not None and verify_rule_webhook(secret, signature, body)


async def _read_body(request: Request, limit: int) -> bytes | None:
    """The body, or None once it is known to exceed `limit` (declared, or read so far)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def _kind(rule: bool) -> str:
    return "rule" if rule else "app"


def _name(error: BaseException) -> str:
    return type(error).__name__
