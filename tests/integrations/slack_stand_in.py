"""A local server that plays Slack's Web API for approval cards, with state.

Messages are kept by channel and ts with every version `chat.update` wrote; ephemeral messages,
opened modals and posts to `response_url`s are recorded. Requests without the bearer token get
`invalid_auth`, as Slack answers them (HTTP 200, `ok: false`).
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.stand_in import Recorded, StandIn

TOKEN = "xoxb-stand-in-token"
CHANNEL = "C0APPROVALS"
BOT_USER = "U0SUPPORTBOT"
# Fields Slack accepts as JSON strings inside a form-encoded body.
_JSON_FIELDS = ("blocks", "attachments", "view")


@dataclass
class Message:
    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    thread_ts: str | None = None
    # Every version, oldest first; the last one is what Slack shows.
    history: list[dict[str, Any]] = field(default_factory=list)


class SlackStandIn(StandIn):
    """`async with SlackStandIn() as slack:` serves on `slack.url`; `api_url` is the base URL."""

    def __init__(self, *, token: str = TOKEN, channels: tuple[str, ...] = (CHANNEL,)) -> None:
        super().__init__()
        self.token, self.channels = token, set(channels)
        self.messages: dict[tuple[str, str], Message] = {}
        self.ephemerals: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.responses: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self._failures: dict[str, list[tuple[int, str, dict[str, str]]]] = defaultdict(list)
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    def response_url(self, name: str) -> str:
        """A `response_url` for one interaction; what is posted to it is kept under `name`."""
        return f"{self.url}/response_url/{name}"

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """The next `times` calls of `method` (e.g. "chat.update") answer `status`, `ok: false`."""
        default = "ratelimited" if status == 429 else "internal_error"
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        self._failures[method].extend([(status, error or default, headers)] * times)

    def recover(self) -> None:
        """Every method answers normally again."""
        self._failures.clear()

    def calls(self, method: str) -> list[Recorded]:
        return self.received("POST", f"/api/{method}")

    def thread(self, channel: str, ts: str) -> list[Message]:
        return [m for m in self.messages.values() if m.channel == channel and m.thread_ts == ts]

    async def wait_for(self, predicate: Callable[[], bool]) -> None:
        """Until `predicate()` holds, checked after every request answered; gives up after 10 s."""
        async with asyncio.timeout(10), self._changed:
            await self._changed.wait_for(predicate)

    async def __aenter__(self) -> SlackStandIn:
        await super().__aenter__()
        return self

    async def _handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        recorded = Recorded(
            request.method, request.path, dict(request.query), dict(request.headers), body
        )
        self.requests.append(recorded)
        response = self._answer(request.path, _params(request.content_type, body), request)
        response.force_close()  # no socket outlives a test (ResourceWarnings are errors)
        async with self._changed:
            self._changed.notify_all()
        return response

    def _answer(self, path: str, params: dict[str, Any], request: web.Request) -> web.Response:
        if path.startswith("/response_url/"):
            self.responses[path.removeprefix("/response_url/")].append(params)
            return web.Response(text="ok")
        method = path.removeprefix("/api/")
        if request.method != "POST" or method == path:
            return web.json_response({"ok": False, "error": "unknown_method"}, status=404)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _fail("invalid_auth")
        if self._failures.get(method):
            status, error, headers = self._failures[method].pop(0)
            return web.json_response({"ok": False, "error": error}, status=status, headers=headers)
        return self._route(method, params)

    def _route(self, method: str, params: dict[str, Any]) -> web.Response:
        channel = str(params.get("channel", ""))
        match method:
            case "auth.test":
                return _ok(user_id=BOT_USER, user="support-agent", team_id="T0TEAM", bot_id="B0BOT")
            case "chat.postMessage" | "chat.update" | "chat.postEphemeral" if (
                channel not in self.channels
            ):
                return _fail("channel_not_found")
            case "chat.postMessage":
                return self._post(channel, params)
            case "chat.update":
                message = self.messages.get((channel, str(params.get("ts"))))
                if message is None:
                    return _fail("message_not_found")
                message.text = str(params.get("text", message.text))
                message.blocks = list(params.get("blocks", message.blocks))
                message.history.append({"text": message.text, "blocks": message.blocks})
                return _ok(channel=channel, ts=message.ts)
            case "chat.postEphemeral":
                if not params.get("user"):
                    return _fail("user_not_in_channel")
                self.ephemerals.append(params)
                return _ok(message_ts=self._next_ts())
            case "views.open":
                if not params.get("trigger_id") or not isinstance(params.get("view"), dict):
                    return _fail("invalid_arguments")
                self.views.append(params["view"])
                return _ok(view={"id": f"V{next(self._ids)}"} | params["view"])
        return _fail("unknown_method")

    def _post(self, channel: str, params: dict[str, Any]) -> web.Response:
        if not params.get("text") and not params.get("blocks"):
            return _fail("no_text")
        ts = self._next_ts()
        thread_ts = params.get("thread_ts")
        if thread_ts is not None and (channel, str(thread_ts)) not in self.messages:
            return _fail("thread_not_found")
        message = Message(
            channel, ts, str(params.get("text", "")), list(params.get("blocks", [])), thread_ts
        )
        message.history.append({"text": message.text, "blocks": message.blocks})
        self.messages[(channel, ts)] = message
        return _ok(channel=channel, ts=ts, message={"text": message.text})

    def _next_ts(self) -> str:
        number = next(self._ids)
        return f"{1_700_000_000 + number}.{number:06d}"


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    """A JSON body, or a form whose JSON-valued fields are decoded, as Slack reads both."""
    if not body:
        return {}
    if content_type == "application/json":
        loaded = json.loads(body)
        return loaded if isinstance(loaded, dict) else {}
    form: dict[str, Any] = dict(parse_qsl(body.decode()))
    for name in _JSON_FIELDS:
        if isinstance(form.get(name), str):
            form[name] = json.loads(form[name])
    return form


def _ok(**fields: Any) -> web.Response:
    return web.json_response({"ok": True, **fields})


def _fail(error: str) -> web.Response:
    return web.json_response({"ok": False, "error": error})
