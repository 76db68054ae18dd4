"""The `x-support-signature` header: what it signs, and what verification refuses."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from workflows.integrations.signing import TOLERANCE_SECONDS, sign, verify

SECRET = "shh-app-secret"
BODY = b'{"email":"ada@example.com"}'
T = 1_790_000_000


def test_the_header_is_the_hmac_of_timestamp_dot_body() -> None:
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()

    assert sign(SECRET, BODY, timestamp=T) == f"t={T},v1={expected}"


def test_a_fresh_signature_verifies() -> None:
    assert verify(SECRET, BODY, sign(SECRET, BODY, timestamp=T), now=T + 1)


@pytest.mark.parametrize("skew", [-TOLERANCE_SECONDS, TOLERANCE_SECONDS])
def test_the_window_is_five_minutes_either_way(skew: int) -> None:
    header = sign(SECRET, BODY, timestamp=T)

    assert verify(SECRET, BODY, header, now=T + skew)
    assert not verify(SECRET, BODY, header, now=T + skew + (1 if skew > 0 else -1))


def test_a_changed_body_or_another_secret_does_not_verify() -> None:
    header = sign(SECRET, BODY, timestamp=T)

    assert not verify(SECRET, BODY + b" ", header, now=T)
    assert not verify("another-secret", BODY, header, now=T)


def test_a_replayed_signature_with_a_new_timestamp_does_not_verify() -> None:
    digest = sign(SECRET, BODY, timestamp=T).split("v1=")[1]

    assert not verify(SECRET, BODY, f"t={T + 60},v1={digest}", now=T + 60)


@pytest.mark.parametrize(
    "header",
    [None, "", "garbage", f"t={T}", "v1=abc", "t=soon,v1=abc", "t=²,v1=abc", f"t={T},v1="],
)
def test_malformed_headers_do_not_verify(header: str | None) -> None:
    assert not verify(SECRET, BODY, header, now=T)


def test_any_one_of_several_signatures_may_match_while_a_secret_rotates() -> None:
    old = sign("old-secret", BODY, timestamp=T).split("v1=")[1]
    new = sign(SECRET, BODY, timestamp=T).split("v1=")[1]

    assert verify(SECRET, BODY, f"t={T},v1={old},v1={new}", now=T)
    assert not verify("third-secret", BODY, f"t={T},v1={old},v1={new}", now=T)
