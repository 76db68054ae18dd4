"""CEL expressions, as Inngest evaluates them in triggers, waits, cancels and keys."""

from __future__ import annotations

import hashlib
import logging
from functools import lru_cache
from typing import Any

import celpy
from celpy.adapter import json_to_cel

log = logging.getLogger(__name__)
_ENV = celpy.Environment()
# Longer keys are stored as their SHA-256, so any value fits the key column.
MAX_KEY_CHARS = 200


@lru_cache(maxsize=1024)
def _program(expression: str) -> Any:
    return _ENV.program(_ENV.compile(expression))


def check(expression: str) -> None:
    """Raise ValueError when `expression` is not valid CEL."""
    try:
        _program(expression)
    except Exception as err:
        raise ValueError(f"invalid expression {expression!r}: {err}") from err


def evaluate(expression: str, **variables: Any) -> object:
    """The expression's value with `event`, `async` and friends bound; None when it fails."""
    activation = {name: json_to_cel(value) for name, value in variables.items()}
    try:
        return _to_python(_program(expression).evaluate(activation))
    except Exception as err:  # a missing field is a non-match, as in Inngest
        log.debug("expression %r did not evaluate: %s", expression, err)
        return None


def matches(expression: str | None, **variables: Any) -> bool:
    """True when there is no expression or it evaluates to true."""
    return expression is None or evaluate(expression, **variables) is True


def _to_python(value: object) -> object:
    if isinstance(value, celpy.celtypes.BoolType):
        return bool(value)
    if isinstance(value, celpy.celtypes.IntType | celpy.celtypes.UintType):
        return int(value)
    if isinstance(value, celpy.celtypes.DoubleType):
        return float(value)
    if isinstance(value, celpy.celtypes.StringType):
        return str(value)
    return value


def key_value(expression: str | None, event: dict[str, Any]) -> str:
    """A flow-control key: the expression's value over the event as text, bounded in length."""
    value = None if expression is None else evaluate(expression, event=event)
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_KEY_CHARS else hashlib.sha256(text.encode()).hexdigest()
