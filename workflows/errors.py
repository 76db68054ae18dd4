"""Failures of the systems the workflows call; the edge and the engine decide what they mean."""

from __future__ import annotations


class IntegrationError(Exception):
    """An external system (Front, an app integration) failed or refused a request.

    `retryable` is False for answers that will not change on a retry (4xx other than 429), so the
    workflow can stop retrying at once.
    """

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        super().__init__(message)
        self.retryable = retryable


class RateLimited(IntegrationError):
    """The system said 429; `retry_after` is how many seconds it asked us to wait."""

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message, retryable=True)
        self.retry_after = retry_after
