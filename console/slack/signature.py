"""Slack's request signature, checked on the raw body before anything parses it.

Bolt checks it too, but only after building its request object, which parses the body: a
malformed unsigned body would fail there (500) instead of being refused as unsigned (401).
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.datastructures import Headers

MAX_AGE_SECONDS = 300


def verify_slack_signature(secret: str, body: bytes, headers: Headers, *, now: float) -> bool:
    """True when `x-slack-signature` is v0 HMAC-SHA256 of "v0:<ts>:<body>" and ts is recent."""
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    # Unix seconds have ten digits until 2286; anything longer is not a timestamp.
    if not (timestamp.isascii() and timestamp.isdigit() and len(timestamp) <= 12):
        return False
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        return False
    base = b"v0:" + timestamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode())
