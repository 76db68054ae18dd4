"""The agent's errors, translated from the model SDK's at this edge so callers never import it."""

from __future__ import annotations

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


def translate_sdk_error(exc: anthropic.AnthropicError) -> AgentError:
    """Map an exception from the Anthropic SDK to the agent's own hierarchy."""
    if isinstance(exc, anthropic.APIStatusError):
        message = f"model API answered {exc.status_code}: {exc.api_message or exc.message}"
        if exc.status_code >= 500 or exc.status_code in _TRANSIENT_STATUSES:
            return ModelUnavailable(message, retry_after=_retry_after(exc))
        return ModelRefused(message)
    if isinstance(exc, anthropic.APIConnectionError | anthropic.APIResponseValidationError):
        return ModelUnavailable(f"model API unreachable or garbled: {exc}")
    return ModelRefused(f"model client failed: {exc}")
