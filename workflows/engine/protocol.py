"""Inngest's wire protocol as the SDKs speak it: call bodies, signatures, replies and ops."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import jcs

_EXACT_INTEGERS = 2**53  # beyond this, RFC 8785 writes an integer as the nearest double
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|w|d|h|m|s)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ProtocolError(Exception):
    """An SDK reply or a client request that does not follow the protocol."""


def parse_duration(text: str) -> float:
    """`"1d"`, `"24h"`, `"1h30m"` or `"90s"` in seconds."""
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ProtocolError(f"not a duration: {text!r}")
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def parse_time(text: str) -> float:
    """An ISO-8601 instant (as in Sleep ops) in epoch seconds."""
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError as err:
        raise ProtocolError(f"not an ISO time: {text!r}") from err


def hash_step_id(step_id: str) -> str:
    return hashlib.sha1(step_id.encode()).hexdigest()  # noqa: S324 - the protocol's step hash


def _key_bytes(signing_key: str) -> bytes:
    return re.sub(r"^signkey-\w+-", "", signing_key).encode()


def sign(body: bytes, signing_key: str, unix_seconds: int) -> str:
    """The `x-inngest-signature` value for a body at a time."""
    mac = hmac.new(_key_bytes(signing_key), body + str(unix_seconds).encode(), hashlib.sha256)
    return f"t={unix_seconds}&s={mac.hexdigest()}"


def verify(body: bytes, header: str | None, signing_key: str) -> bool:
    """True when `header` signs `body` with `signing_key`."""
    if not header:
        return False
    fields = dict(part.split("=", 1) for part in header.split("&") if "=" in part)
    if "t" not in fields or "s" not in fields or not fields["t"].isdigit():
        return False
    expected = sign(body, signing_key, int(fields["t"]))
    return hmac.compare_digest(expected, header)


def hashed_signing_key(signing_key: str) -> str:
    """What an SDK sends as its bearer token: sha256 of the key's hex bytes."""
    raw = re.sub(r"^signkey-\w+-", "", signing_key)
    return hashlib.sha256(bytes.fromhex(raw)).hexdigest()


def canonical_json(value: object) -> bytes:
    """JSON in RFC 8785 form: what the SDK canonicalizes before checking a signature."""
    if _written_alike(value):
        # The C encoder, many times faster than `jcs`'s encoder in Python, on every call.
        return json.dumps(
            value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
        ).encode()
    return bytes(jcs.canonicalize(value))


def _written_alike(value: object) -> bool:
    """Whether Python's encoder writes `value` as RFC 8785 does: no number that JavaScript
    formats otherwise (floats, integers past 2**53) and no key that sorts otherwise in UTF-16
    (ASCII keys sort alike). Exact types only: a subclass may encode itself otherwise."""
    pending = [value]
    while pending:
        item = pending.pop()
        if item is None or type(item) is str or type(item) is bool:
            continue
        if type(item) is int:
            if not -_EXACT_INTEGERS < item < _EXACT_INTEGERS:
                return False
        elif type(item) is dict:
            if not all(type(key) is str and key.isascii() for key in item):
                return False
            pending.extend(item.values())
        elif type(item) is list or type(item) is tuple:
            pending.extend(item)
        else:
            return False
    return True


@dataclass(frozen=True)
class CallRequest:
    """Everything the engine sends to run one function step."""

    run_id: str
    event: dict[str, Any]
    memos: dict[str, Any]
    stack: list[str]
    attempt: int
    max_attempts: int
    disable_immediate_execution: bool = False
    events: list[dict[str, Any]] | None = None  # a batch; None for a run of one event

    def body(self) -> bytes:
        return canonical_json(
            {
                "event": self.event,
                "events": self.events or [self.event],
                "steps": self.memos,
                "ctx": {
                    "run_id": self.run_id,
                    "attempt": self.attempt,
                    "max_attempts": self.max_attempts,
                    "disable_immediate_execution": self.disable_immediate_execution,
                    "use_api": False,
                    "stack": {"stack": self.stack, "current": len(self.stack)},
                },
                "use_api": False,
                "version": 1,
            }
        )


OpName = Literal[
    "StepRun",
    "StepError",
    "StepFailed",
    "StepPlanned",
    "Sleep",
    "WaitForEvent",
    "InvokeFunction",
    "AIGateway",
]
KNOWN_OPS: frozenset[str] = frozenset(OpName.__args__)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Op:
    """One operation from a 206 reply."""

    op: str
    id: str
    name: str | None = None
    display_name: str | None = None
    data: Any = None
    error: Any = None
    opts: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def parse(cls, raw: object) -> Op:
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
            raise ProtocolError("an op must be an object with an id")
        if raw.get("op") not in KNOWN_OPS:
            raise ProtocolError(f"unsupported op {raw.get('op')!r}")
        opts = raw.get("opts") or {}
        if not isinstance(opts, dict):
            raise ProtocolError("op opts must be an object")
        return cls(
            op=raw["op"],
            id=raw["id"],
            name=raw.get("name"),
            display_name=raw.get("displayName"),
            data=raw.get("data"),
            error=raw.get("error"),
            opts=opts,
        )


@dataclass(frozen=True)
class Reply:
    """The SDK's answer to a call: the function's output, ops to carry out, or an error."""

    kind: Literal["done", "ops", "error"]
    output: Any = None
    ops: list[Op] = field(default_factory=list)
    error: dict[str, Any] = field(default_factory=dict)
    retriable: bool = True
    retry_at: float | None = None


def parse_reply(status: int, headers: dict[str, str], body: bytes, now: float) -> Reply:
    """Turn an HTTP reply from the serve endpoint into a `Reply`."""
    try:
        payload = json.loads(body) if body else None
    except ValueError:
        payload = {"name": "InvalidReply", "message": body[:500].decode(errors="replace")}
        status = status if status >= 400 else 500
    if status == 200:
        return Reply(kind="done", output=payload)
    retriable = headers.get("x-inngest-no-retry", "false").lower() != "true"
    if status == 206:
        if not isinstance(payload, list):
            raise ProtocolError("a 206 reply must carry a list of ops")
        # A step error in the list is as retriable as the header says (NonRetriableError: not).
        return Reply(kind="ops", ops=[Op.parse(item) for item in payload], retriable=retriable)
    return Reply(
        kind="error",
        error=failure_error(status, payload),
        retriable=retriable,
        retry_at=_retry_at(headers.get("retry-after"), now),
    )


def failure_error(status: int, payload: object) -> dict[str, Any]:
    """A failed call as Inngest reports it in `inngest/function.failed`'s `data.error`."""
    body = payload if isinstance(payload, dict) else {"message": str(payload)}
    return {
        "error": f"invalid status code: {status}",
        "name": str(body.get("name") or "Error"),
        "message": str(body.get("message") or f"HTTP {status}"),
        "stack": str(body.get("stack") or ""),
    }


def _retry_at(value: str | None, now: float) -> float | None:
    if not value:
        return None
    if value.strip().isdigit():
        return now + int(value)
    try:
        return parse_time(value)
    except ProtocolError:
        return None
