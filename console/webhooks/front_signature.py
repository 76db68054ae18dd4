"""Front's webhook signatures: HMAC-SHA256 over a timestamp for apps, HMAC-SHA1 for rules."""

from __future__ import annotations

import base64
import hmac
from datetime import datetime, timedelta

# Front's advice; it also bounds how long a captured request can be replayed.
APP_WEBHOOK_WINDOW = timedelta(minutes=5)


def sign_app_webhook(secret: str, timestamp_ms: int | str, body: bytes) -> str:
    """The `x-front-signature` of an application webhook sent at `timestamp_ms`."""
    message = f"{timestamp_ms}:".encode() + body
    return _b64_hmac(secret, message, "sha256")


def verify_app_webhook(
    secret: str,
    timestamp_header: str | None,
    signature_header: str | None,
    body: bytes,
    *,
    now: datetime,
) -> bool:
    """True when the signature matches and the timestamp is within five minutes of `now`."""
    if not timestamp_header or not signature_header:
        return False
    # int() would also take "+1", " 1" or "1_0"; the header is signed as sent, so digits only.
    if not (timestamp_header.isascii() and timestamp_header.isdigit()):
        return False
    sent_at = int(timestamp_header) / 1000
    if abs(now.timestamp() - sent_at) > APP_WEBHOOK_WINDOW.total_seconds():
        return False
    expected = sign_app_webhook(secret, timestamp_header, body)
    return hmac.compare_digest(expected.encode(), signature_header.encode())


def sign_rule_webhook(secret: str, body: bytes) -> str:
    """The `x-front-signature` of a rule webhook: it covers the body only."""
    return _b64_hmac(secret, body, "sha1")


def verify_rule_webhook(secret: str, signature_header: str | None, body: bytes) -> bool:
    """True when the rule webhook's signature matches the body."""
    if not signature_header:
        return False
    expected = sign_rule_webhook(secret, body)
    return hmac.compare_digest(expected.encode(), signature_header.encode())


def _b64_hmac(secret: str, message: bytes, digest: str) -> str:
    mac = hmac.new(secret.encode(), message, digest)
    return base64.b64encode(mac.digest()).decode()
