"""A support desk seen from outside: emails in through Front, clicks in through Slack, pages read
from the console. Everything goes over HTTP to the `serve` subprocess."""

from __future__ import annotations

import asyncio
import base64
import calendar
import hashlib
import hmac
import html
import itertools
import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

import httpx

from tests.console.slack_requests import ANN, click, signed, submission
from tests.e2e.server import ServeProcess
from tests.e2e.shop import ShopStandIn
from tests.e2e.slack import Card, TimedSlack
from tests.integrations.front_stand_in import FrontStandIn, inbound

INBOX = "inb_shop"
FRONT_SECRET = "front-app-secret-for-e2e"
SLACK_SECRET = "slack-signing-secret-for-e2e"
CONSOLE_EMAIL = "lee@example.com"
CONSOLE_PASSWORD = "a-long-console-password-for-e2e"
# Seconds for a decision or an outcome to reach every system; well under one normally.
SETTLE = 10.0
POLL = 0.05
CONSOLE_POLL = 0.5
T = TypeVar("T")
_ids = itertools.count(1)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_STATUS = re.compile(r'data-status="([a-z_]+)"')
_EXPIRES = re.compile(r'<dd id="waiting">for a decision until (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC')
_AUDIT = re.compile(r"<strong>([a-z_.]+)</strong> by")


@dataclass(frozen=True)
class Item:
    """An action as its console page shows it."""

    status: str
    audit: list[str]
    # The deadline, to the second (rounded down), while the action is pending.
    expires_at: float | None


async def until(
    check: Callable[[], Awaitable[T | None]], *, within: float, what: str, every: float = POLL
) -> T:
    """Poll `check` until it returns something other than None, for at most `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        found = await check()
        if found is not None:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(every)


@dataclass
class Desk:
    server: ServeProcess
    front: FrontStandIn
    slack: TimedSlack
    shop: ShopStandIn
    http: httpx.AsyncClient
    console: httpx.AsyncClient
    late_acks: int = 0
    opened_at: float = field(default_factory=time.time)

    # --- Front: customers write in

    def webhook(self, sender: str, text: str) -> tuple[str, bytes]:
        """A new conversation in Front and the signed `inbound_received` webhook announcing it."""
        number = next(_ids)
        conversation_id, message_id = f"cnv_e2e{number}", f"msg_e2e{number}"
        self.front.add_conversation(conversation_id, INBOX)
        self.front.add_inbound_message(
            conversation_id, text, sender=sender, message_id=message_id, created_at=time.time()
        )
        envelope = {
            "type": "inbound_received",
            "payload": {
                "id": f"evt_e2e{number}_{int(time.time() * 1000)}",
                "type": "inbound",
                "emitted_at": time.time(),
                "conversation": {"id": conversation_id, "subject": "Refund"},
                "source": {"_meta": {"type": "inboxes"}, "data": [{"id": INBOX}]},
                "target": {"_meta": {"type": "message"}, "data": inbound(
                    text, sender=sender, message_id=message_id, created_at=time.time()
                )},
            },
        }  # fmt: skip
        return conversation_id, json.dumps(envelope).encode()

    async def post_webhook(self, body: bytes) -> httpx.Response:
        """Post a webhook signed now, as Front signs each delivery."""
        return await self.http.post(
            f"{self.server.url}/webhooks/front", content=body, headers=front_headers(body)
        )

    async def email(self, sender: str, text: str) -> str:
        """A customer writes; returns the conversation once the server accepted the webhook."""
        conversation_id, body = self.webhook(sender, text)
        response = await self.post_webhook(body)
        assert response.status_code == 202, response.text
        return conversation_id

    def draft(self, conversation_id: str) -> str | None:
        """The conversation's newest draft (a rewrite may briefly leave the old one too)."""
        bodies = [
            d["body"] for d in self.front.drafts.values() if d["conversation_id"] == conversation_id
        ]
        return html.unescape(bodies[-1]) if bodies else None

    async def draft_says(self, conversation_id: str, words: str, *, within: float) -> str:
        async def shown() -> str | None:
            draft = self.draft(conversation_id) or ""
            return draft if words in draft else None

        return await until(shown, within=within, what=f"the draft saying {words!r}")

    async def comment_says(self, conversation_id: str, words: str, *, within: float) -> str:
        async def shown() -> str | None:
            notes = self.comments(conversation_id)
            return notes if words in notes else None

        return await until(shown, within=within, what=f"a comment saying {words!r}")

    def comments(self, conversation_id: str) -> str:
        return "\n".join(
            html.unescape(str(c.get("body", "")))
            for c in self.front.comments
            if c["conversation_id"] == conversation_id
        )

    # --- Slack: a person decides

    async def card(self, customer_email: str, *, within: float = 20, read: float = 0) -> Card:
        """The customer's approval card once posted, and `read` seconds more, as people read."""

        async def posted() -> Card | None:
            self.server.check_alive()
            return self.slack.card_for(customer_email, since=self.opened_at)

        card = await until(posted, within=within, what=f"a card for {customer_email}")
        await asyncio.sleep(read)
        return card

    async def click(self, card: Card, button: str, user: dict[str, str] = ANN) -> str:
        """Click a button on the card; returns the name its private replies are kept under."""
        name = f"{card.action_id}-{next(_ids)}"
        payload = click(
            button,
            card.action_id,
            user=user,
            channel=card.channel,
            ts=card.ts,
            response_url=self.slack.response_url(name),
        )
        await self._interact(payload)
        return name

    async def submit(
        self, button: str, card: Card, values: dict[str, str], *, late_ack_ok: bool = False
    ) -> float:
        """Click Reject or Edit, then fill in and submit the modal it opens. Returns when the
        decision was sent: the submission, or the click when it was refused (no modal).

        With `late_ack_ok`, a submission the server did not acknowledge in Slack's time (the
        person sees an error; the decision may still be made) is counted, not a failure."""
        opened = len(self.slack.views)
        clicked_at = time.time()
        name = await self.click(card, button)

        async def modal_or_refusal() -> dict[str, object] | None:
            if self.slack.responses.get(name):
                return {}  # told why not (expired, decided already): no modal
            # Other modals may open meanwhile: this one names the card's action.
            return next(
                (
                    view
                    for view in self.slack.views[opened:]
                    if card.action_id in str(view.get("private_metadata"))
                ),
                None,
            )

        view = await until(modal_or_refusal, within=SETTLE, what=f"the {button} modal")
        if not view:
            return clicked_at
        sent_at = time.time()
        body, headers = signed(submission(view, user=ANN, values=values), secret=SLACK_SECRET)
        response = await self.http.post(
            f"{self.server.url}/slack/interactions", content=body, headers=headers
        )
        if response.status_code != 200:
            assert late_ack_ok, response.text
            self.late_acks += 1
        return sent_at

    async def _interact(self, payload: dict[str, object]) -> httpx.Response:
        body, headers = signed(payload, secret=SLACK_SECRET)
        response = await self.http.post(
            f"{self.server.url}/slack/interactions", content=body, headers=headers
        )
        assert response.status_code == 200, response.text
        return response

    async def told(self, name: str, *, within: float = 10) -> str:
        """What the clicker alone was told through the click's response_url."""

        async def reply() -> str | None:
            replies = self.slack.responses.get(name)
            return str(replies[0]["text"]) if replies else None

        return await until(reply, within=within, what="a private reply to the click")

    async def card_says(self, card: Card, words: str, *, within: float) -> str:
        async def shown() -> str | None:
            text = self.slack.shown(card)
            return text if words in text else None

        return await until(shown, within=within, what=f"the card saying {words!r}")

    # --- the console: what a teammate reads

    async def sign_in(self) -> None:
        page = await self.console.get("/console/login")
        token = _CSRF.search(page.text)
        assert token, page.text
        form = {"email": CONSOLE_EMAIL, "password": CONSOLE_PASSWORD, "csrf_token": token[1]}
        response = await self.console.post("/console/login", data=form)
        assert response.status_code == 303, response.text

    async def item(self, action_id: str) -> Item:
        response = await self.console.get(f"/console/actions/{action_id}")
        assert response.status_code == 200, response.text
        status = _STATUS.search(response.text)
        assert status, response.text
        expires = _EXPIRES.search(response.text)
        return Item(
            status=status[1],
            audit=_AUDIT.findall(response.text),
            expires_at=_utc_seconds(expires[1]) if expires else None,
        )

    async def settled(self, action_id: str, *, within: float) -> Item:
        """The item once its action reached an end: executed, rejected, expired or failed."""

        async def ended() -> Item | None:
            self.server.check_alive()
            item = await self.item(action_id)
            return item if item.status in TERMINAL else None

        # Each page asks the engine for run timelines: poll gently.
        return await until(ended, within=within, what=f"{action_id} to end", every=CONSOLE_POLL)


TERMINAL = frozenset({"executed", "rejected", "expired", "failed"})


def front_headers(body: bytes) -> dict[str, str]:
    """Front's application-webhook signature: base64 HMAC-SHA256 of "<ms timestamp>:<body>"."""
    timestamp = str(int(time.time() * 1000))
    digest = hmac.new(FRONT_SECRET.encode(), f"{timestamp}:".encode() + body, hashlib.sha256)
    return {
        "content-type": "application/json",
        "x-front-request-timestamp": timestamp,
        "x-front-signature": base64.b64encode(digest.digest()).decode(),
    }


def _utc_seconds(shown: str) -> float:
    return float(calendar.timegm(time.strptime(shown, "%Y-%m-%d %H:%M:%S")))
