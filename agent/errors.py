"""The agent's errors, translated from the model SDK's at this edge so callers never import it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import anthropic


class AgentError(Exception):
    """Base of every error the agent raises; `retryable` tells the engine whether to try again."""

    retryable: bool = False


class ModelUnavailable(AgentError):
    """The model could not answer now (network, rate limit, overload); a later attempt may work."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ModelRefused(AgentError):
    """The model will never answer this request as sent (bad request, auth, refusal)."""


# Statuses that describe a passing condition at the API rather than a fault in our request.
_TRANSIENT_STATUSES = frozenset({408, 409, 429})


def _retry_after(exc: anthropic.APIStatusError) -> float | None:
    value = exc.response.headers.get("retry-after")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


@contextlib.contextmanager
def sdk_errors_translated() -> Iterator[None]:
    """Raise an error of the Anthropic SDK from the body as the agent's own."""
    try:
        yield
    except Exception as exc:
        translated = _translated(exc)
        if translated is None:
            raise
        raise translated from exc


def _translated(exc: Exception) -> AgentError | None:
    """The agent's error for an exception of the Anthropic SDK; None for any other exception."""
    # Already loaded when its client raised: imported here, the agent starts without the SDK.
    import anthropic

    if isinstance(exc, anthropic.APIStatusError):
        message = f"model API answered {exc.status_code}: {exc.api_message or exc.message}"
        if exc.status_code >= 500 or exc.status_code in _TRANSIENT_STATUSES:
            return ModelUnavailable(message, retry_after=_retry_after(exc))
        return ModelRefused(message)
    if isinstance(exc, anthropic.APIConnectionError | anthropic.APIResponseValidationError):
        return ModelUnavailable(f"model API unreachable or garbled: {exc}")
    if isinstance(exc, anthropic.AnthropicError):
        return ModelRefused(f"model client failed: {exc}")
    return None
