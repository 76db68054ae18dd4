"""A local server that plays Front's Core API, with state: conversations, drafts, comments, tags.

Lists are paginated like Front's (newest message first, `_pagination.next` a full link on another
host), drafts keep the `mode` they were asked for (private by default, as Front does), and every
endpoint that would send a message answers 405 and is kept in `send_attempts`. A merged
conversation answers 301 on every endpoint, naming the one it was merged into, as Front does.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.stand_in import Recorded, StandIn

TOKEN = "front-stand-in-token"
# Front's links name a per-company host; a client must not send its token there.
LINK_HOST = "https://company.api.frontapp.invalid"
FIRST_CREATED_AT = 1_700_000_000.0
EML = "message/rfc822"
SEND_PATH = re.compile(r"/(conversations|channels)/[^/]+/messages")


def inbound(
    text: str, *, sender: str = "customer@example.com", message_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A customer's message, in Front's shape; `fields` override any key (`created_at`, `body`)."""
    recipients = [
        {"handle": sender, "role": "from"},
        {"handle": "support@example.com", "role": "to"},
    ]
    return _message(message_id, text, is_inbound=True, author=None, recipients=recipients) | fields


def outbound(
    text: str, *, author: dict[str, Any] | None = None, message_id: str | None = None, **fields: Any
) -> dict[str, Any]:
    """A message sent from Front; `author` is a teammate (`{email, type}`) or None for a bot."""
    recipients = [{"handle": "support@example.com", "role": "from"}]
    return (
        _message(message_id, text, is_inbound=False, author=author, recipients=recipients) | fields
    )


def _message(message_id: str | None, text: str, **fields: Any) -> dict[str, Any]:
    return {"id": message_id, "text": text, "body": f"<p>{text}</p>", "draft_mode": None} | fields


@dataclass
class Conversation:
    inbox_ids: list[str]
    messages: list[dict[str, Any]] = field(default_factory=list)
    tag_ids: list[str] = field(default_factory=list)


class FrontStandIn(StandIn):
    """`async with FrontStandIn() as front:` serves on `front.url`; seed it, then inspect it.

    `reply()` still answers, as a last resort, any route this Front does not know.
    """

    def __init__(self, *, token: str = TOKEN, page_size: int = 2) -> None:
        super().__init__()
        self.token, self.page_size = token, page_size
        self.send_attempts: list[Recorded] = []
        self.conversations: dict[str, Conversation] = {}
        self.channels: dict[str, list[dict[str, Any]]] = {}  # by inbox id
        self.drafts: dict[str, dict[str, Any]] = {}
        self.comments: list[dict[str, Any]] = []
        self.tags: dict[str, str] = {}  # id → name
        # The email headers of inbound messages, served in their EML (message/rfc822).
        self.email_headers: dict[str, dict[str, str]] = {}
        self.merged: dict[str, tuple[str, str]] = {}  # id → (surviving id, Location's base URL)
        self._failures: dict[tuple[str, str], list[web.Response | None]] = defaultdict(list)
        self._ids = itertools.count(1)

    def add_inbox(self, inbox_id: str, channels: list[dict[str, Any]] | None = None) -> None:
        """An inbox with these channels (default: one valid email channel named after it)."""
        default = [{"id": f"cha_{inbox_id.removeprefix('inb_')}", "type": "smtp", "is_valid": True}]
        self.channels[inbox_id] = default if channels is None else channels

    def add_conversation(
        self,
        conversation_id: str,
        inbox_id: str | None = "inb_support",
        messages: list[dict[str, Any]] | None = None,
    ) -> None:
        """A conversation listed in `inbox_id` (created if new), holding `messages` oldest first."""
        if inbox_id is not None and inbox_id not in self.channels:
            self.add_inbox(inbox_id)
        self.conversations[conversation_id] = Conversation([inbox_id] if inbox_id else [])
        for message in messages or []:
            self._append(conversation_id, message)

    def add_inbound_message(self, conversation_id: str, text: str, **kwargs: Any) -> str:
        """A new customer message on the conversation; returns its id."""
        return self._append(conversation_id, inbound(text, **kwargs))

    def add_tag(self, name: str) -> str:
        tag_id = f"tag_{next(self._ids)}"
        self.tags[tag_id] = name
        return tag_id

    def merge(self, conversation_id: str, *, into: str, location_base: str | None = None) -> None:
        """Merge a conversation into another: its messages and tags move there, and any call to
        it answers 301 with a Location on `location_base` (default: this Front)."""
        merged = self.conversations.pop(conversation_id)
        surviving = self.conversations[into]
        surviving.messages = sorted(
            surviving.messages + merged.messages, key=lambda m: float(m["created_at"])
        )
        surviving.tag_ids.extend(t for t in merged.tag_ids if t not in surviving.tag_ids)
        self.merged[conversation_id] = (into, location_base or self.url)

    def edit_draft(self, draft_id: str, body: str) -> None:
        """A teammate changes the draft in Front: new body, new version."""
        self.drafts[draft_id] |= {"body": body, "version": f"v{next(self._ids)}"}

    def tags_of(self, conversation_id: str) -> list[str]:
        return [self.tags[t] for t in self.conversations[conversation_id].tag_ids if t in self.tags]

    def fail_next(
        self,
        method: str,
        path: str,
        *,
        status: int,
        times: int = 1,
        after: int = 0,
        retry_after: str | None = None,
    ) -> None:
        """After `after` normal answers, the next `times` requests to `method path` get `status`."""
        headers = {"retry-after": retry_after} if retry_after is not None else {}
        body = {"_error": {"status": status, "title": "Stand-in failure", "message": "as told"}}
        queue = self._failures[(method.upper(), path)]
        queue.extend([None] * after)
        queue.extend(web.json_response(body, status=status, headers=headers) for _ in range(times))

    def _append(self, conversation_id: str, message: dict[str, Any]) -> str:
        number = next(self._ids)
        message = {"created_at": FIRST_CREATED_AT + number, "type": "email"} | message
        message["id"] = message.get("id") or f"msg_{number}"
        self.conversations[conversation_id].messages.append(message)
        return str(message["id"])

    async def __aenter__(self) -> FrontStandIn:
        await super().__aenter__()
        return self

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        recorded = Recorded(
            request.method, request.path, dict(request.query), dict(request.headers), body
        )
        self.requests.append(recorded)
        if request.headers.get("authorization") != f"Bearer {self.token}":
            response = _error(401, "Unauthorized")
        elif request.method == "POST" and SEND_PATH.fullmatch(request.path):
            self.send_attempts.append(recorded)
            response = _error(405, "The stand-in never sends a message")
        elif (failure := self._next_failure(request.method, request.path)) is not None:
            response = failure
        elif (moved := self._merged_location(request)) is not None:
            response = web.json_response(
                {"_error": {"status": 301, "message": "Moved Permanently"}},
                status=301,
                headers={"location": moved},
            )
        else:
            payload = json.loads(body) if body else {}
            response = self._route(request.method, request.path.split("/")[1:], payload, request)
        # Close each connection so no socket outlives a test (ResourceWarnings are errors).
        response.force_close()
        return response

    def _merged_location(self, request: web.Request) -> str | None:
        parts = request.path.split("/")[1:]
        if len(parts) < 2 or parts[0] != "conversations" or parts[1] not in self.merged:
            return None
        into, base = self.merged[parts[1]]
        return "/".join([base, "conversations", into, *parts[2:]])

    def _next_failure(self, method: str, path: str) -> web.Response | None:
        queue = self._failures.get((method, path))
        return queue.pop(0) if queue else None

    def _route(
        self, method: str, parts: list[str], payload: dict[str, Any], request: web.Request
    ) -> web.Response:
        match method, parts:
            case "GET", ["messages", message_id] if request.headers.get("accept") == EML:
                return self._eml(message_id)
            case "GET", ["conversations", cid, "messages"] if cid in self.conversations:
                newest_first = self.conversations[cid].messages[::-1]
                return self._page(request, newest_first)
            case "GET", ["conversations", cid, "inboxes"] if cid in self.conversations:
                inboxes = [{"id": i, "name": i} for i in self.conversations[cid].inbox_ids]
                return web.json_response({"_results": inboxes})
            case "GET", ["inboxes", inbox_id, "channels"] if inbox_id in self.channels:
                return web.json_response({"_results": self.channels[inbox_id]})
            case "POST", ["conversations", cid, "drafts"] if cid in self.conversations:
                return self._create_draft(cid, payload)
            case "GET", ["messages", draft_id] if draft_id in self.drafts:
                return web.json_response(self.drafts[draft_id])
            case "DELETE", ["drafts", draft_id] if draft_id in self.drafts:
                if "version" not in payload:
                    return _error(400, "version is required")
                if payload["version"] != self.drafts[draft_id]["version"]:
                    return _error(409, "The draft has changed since that version")
                del self.drafts[draft_id]
                return web.Response(status=204)
            case "POST", ["conversations", cid, "comments"] if cid in self.conversations:
                comment = {"id": f"com_{next(self._ids)}", "conversation_id": cid} | payload
                self.comments.append(comment)
                return web.json_response(comment, status=201)
            case "GET", ["tags"]:
                tags = [{"id": i, "name": n} for i, n in self.tags.items()]
                return self._page(request, tags)
            case "POST", ["tags"] | ["company", "tags"]:
                tag_id = self.add_tag(payload["name"])
                return web.json_response({"id": tag_id, "name": payload["name"]}, status=201)
            case "POST", ["conversations", cid, "tags"] if cid in self.conversations:
                if not payload.get("tag_ids") or set(payload["tag_ids"]) - set(self.tags):
                    return _error(400, "unknown tag")
                tag_ids = self.conversations[cid].tag_ids
                tag_ids.extend(t for t in payload["tag_ids"] if t not in tag_ids)
                return web.Response(status=204)
        if (reply := self._replies.get((method, request.path))) is not None:
            return web.json_response(reply.body, status=reply.status, headers=reply.headers)
        return _error(404, "Not found")

    def _eml(self, message_id: str) -> web.Response:
        """The message as Front serves it to `Accept: message/rfc822` (emails only)."""
        for conversation in self.conversations.values():
            for message in conversation.messages:
                if message["id"] == message_id and message.get("type") == "email":
                    headers = self.email_headers.get(message_id, {})
                    return web.Response(body=_eml_of(message, headers), content_type=EML)
        return _error(404, "Message not found")

    def _create_draft(self, conversation_id: str, payload: dict[str, Any]) -> web.Response:
        if not payload.get("body") or not payload.get("channel_id"):
            return _error(400, "body and channel_id are required")
        number = next(self._ids)
        draft = {"id": f"msg_draft{number}", "conversation_id": conversation_id}
        draft |= {"body": payload["body"], "channel_id": payload["channel_id"]}
        draft |= {"draft_mode": payload.get("mode", "private"), "version": f"v{number}"}
        self.drafts[draft["id"]] = draft
        return web.json_response(draft)

    def _page(self, request: web.Request, results: list[dict[str, Any]]) -> web.Response:
        start = int(request.query.get("page_token", "0"))
        size = min(int(request.query.get("limit", "25")), self.page_size)
        following = start + size
        more = f"{LINK_HOST}{request.path}?limit={size}&page_token={following}"
        next_link = more if following < len(results) else None
        page = {"_pagination": {"next": next_link}, "_results": results[start:following]}
        return web.json_response(page)


def _eml_of(message: dict[str, Any], headers: dict[str, str]) -> bytes:
    sender = next(r["handle"] for r in message["recipients"] if r["role"] == "from")
    lines = [f"From: {sender}", "To: support@example.com", "Subject: Hello"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + str(message.get("text") or "")).encode()


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"_error": {"status": status, "message": message}}, status=status)
