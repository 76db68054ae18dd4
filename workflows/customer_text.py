"""Customer text made storable: what PostgreSQL refuses is removed, what is too long is cut.

Emails are the customer's to write: a run must never fail on a NUL in a subject or a sender
longer than its column, so every customer field is normalised where it enters the app.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# PostgreSQL text cannot hold U+0000, and a lone surrogate has no UTF-8 encoding at all.
_NUL = "\x00"
_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def clean(text: str) -> str:
    """`text` without NUL characters, and with any unpaired surrogate replaced."""
    return _SURROGATE.sub(REPLACEMENT, text.replace(_NUL, ""))


def clip(text: str, limit: int) -> str:
    """`clean(text)` cut to at most `limit` characters (a column's size)."""
    return clean(text)[:limit]


def clipper(limit: int) -> Callable[[str], str]:
    """`clip` to `limit`, as a validator for a model's field."""
    return lambda text: clip(text, limit)
