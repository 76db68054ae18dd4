"""Front's signatures, checked against values computed here from the documented recipe."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from console.webhooks.front_signature import (
    sign_app_webhook,
    sign_rule_webhook,
    verify_app_webhook,
    verify_rule_webhook,
)

SECRET = "app-signing-secret"
BODY = b'{"type":"inbound_received","payload":{"id":"evt_1"}}'
SENT_AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TIMESTAMP = str(int(SENT_AT.timestamp() * 1000))


def _expected(digest: str, message: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), message, digest).digest()).decode()


def test_app_signature_is_base64_hmac_sha256_of_timestamp_colon_body() -> None:
    assert sign_app_webhook(SECRET, TIMESTAMP, BODY) == _expected(
        "sha256", TIMESTAMP.encode() + b":" + BODY
    )
    assert sign_app_webhook(SECRET, int(TIMESTAMP), BODY) == sign_app_webhook(
        SECRET, TIMESTAMP, BODY
    )


def test_app_signature_matches_a_fixed_vector() -> None:
    secret, timestamp, body = "key", "1700000000000", b"{}"
    digest = hmac.new(b"key", b"1700000000000:{}", hashlib.sha256).digest()

    assert sign_app_webhook(secret, timestamp, body) == base64.b64encode(digest).decode()


def test_rule_signature_is_base64_hmac_sha1_of_the_body() -> None:
    assert sign_rule_webhook(SECRET, BODY) == _expected("sha1", BODY)


def test_a_fresh_signed_app_webhook_verifies() -> None:
    signature = sign_app_webhook(SECRET, TIMESTAMP, BODY)

    assert verify_app_webhook(SECRET, TIMESTAMP, signature, BODY, now=SENT_AT)


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=5), -timedelta(minutes=5), timedelta(seconds=1), timedelta(0)]
)
def test_the_window_is_five_minutes_inclusive(skew: timedelta) -> None:
    signature = sign_app_webhook(SECRET, TIMESTAMP, BODY)

    assert verify_app_webhook(SECRET, TIMESTAMP, signature, BODY, now=SENT_AT + skew)


@pytest.mark.parametrize(
    "skew",
    [
        timedelta(minutes=5, milliseconds=1),
        -timedelta(minutes=5, milliseconds=1),
        timedelta(days=1),
    ],
    ids=["stale", "from-the-future", "a-day-old"],
)
def test_outside_the_window_a_valid_signature_is_refused(skew: timedelta) -> None:
    signature = sign_app_webhook(SECRET, TIMESTAMP, BODY)

    assert not verify_app_webhook(SECRET, TIMESTAMP, signature, BODY, now=SENT_AT + skew)


@pytest.mark.parametrize(
    ("secret", "timestamp", "body"),
    [
        ("another-secret", TIMESTAMP, BODY),
        (SECRET, str(int(TIMESTAMP) + 1), BODY),
        (SECRET, TIMESTAMP, BODY + b" "),
    ],
    ids=["wrong-secret", "other-timestamp", "changed-body"],
)
def test_any_change_breaks_the_app_signature(secret: str, timestamp: str, body: bytes) -> None:
    signature = sign_app_webhook(secret, timestamp, body)

    assert not verify_app_webhook(SECRET, TIMESTAMP, signature, BODY, now=SENT_AT)


@pytest.mark.parametrize(
    ("timestamp", "signature"),
    [(None, "x"), (TIMESTAMP, None), ("", "x"), (TIMESTAMP, ""), (TIMESTAMP, "ünïcode")],
)
def test_missing_or_odd_headers_are_refused_without_raising(
    timestamp: str | None, signature: str | None
) -> None:
    assert not verify_app_webhook(SECRET, timestamp, signature, BODY, now=SENT_AT)


@pytest.mark.parametrize(
    "timestamp",
    [f"+{TIMESTAMP}", f" {TIMESTAMP}", f"{TIMESTAMP[:4]}_{TIMESTAMP[4:]}", "١٧٧٢", "soon"],
    ids=["plus", "space", "underscore", "arabic-indic-digits", "word"],
)
def test_a_timestamp_that_is_not_plain_digits_is_refused_even_when_signed(timestamp: str) -> None:
    signature = sign_app_webhook(SECRET, timestamp, BODY)

    assert not verify_app_webhook(SECRET, timestamp, signature, BODY, now=SENT_AT)


def test_rule_webhook_verifies_its_own_signature_only() -> None:
    signature = sign_rule_webhook(SECRET, BODY)

    assert verify_rule_webhook(SECRET, signature, BODY)
    assert not verify_rule_webhook("another-secret", signature, BODY)
    assert not verify_rule_webhook(SECRET, signature, BODY + b" ")
    assert not verify_rule_webhook(SECRET, None, BODY)
    assert not verify_rule_webhook(SECRET, "", BODY)
    assert not verify_rule_webhook(SECRET, sign_app_webhook(SECRET, TIMESTAMP, BODY), BODY)
