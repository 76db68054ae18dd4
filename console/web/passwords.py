"""Password hashing for console users: argon2id, with the library's own recommended costs."""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


@functools.cache
def _decoy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong
    password. Made on the first check rather than at import: a hash takes a tenth of a second."""
    return _hasher.hash("decoy password that matches nothing")


class WeakPassword(ValueError):
    """The password is refused before it is hashed; the message says why."""


def hash_password(password: str) -> str:
    """An argon2id hash of a password long enough to keep."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; None stands for an unknown user and never matches."""
    decoy = _decoy_hash()  # made on the first check of either kind, so both cost the same
    try:
        _hasher.verify(password_hash or decoy, password)
    except (VerificationError, InvalidHashError):
        return False
    return password_hash is not None


def rehashed(password_hash: str, password: str) -> str | None:
    """A new hash of a verified password when the old one used weaker costs than today's."""
    # The password was accepted when it was set: its length is not judged again here.
    return _hasher.hash(password) if _hasher.check_needs_rehash(password_hash) else None
