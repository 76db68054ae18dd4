"""Failures are told to the engine as what they are: wait as asked, retry, or stop at once."""

from __future__ import annotations

from datetime import datetime

import inngest
import pytest

from agent.errors import ModelRefused, ModelUnavailable
from workflows.errors import IntegrationError, RateLimited
from workflows.functions.durable import translate_failure


def _seconds_until(error: Exception) -> float:
    assert isinstance(error, inngest.RetryAfterError)
    # The SDK keeps the moment as a naive local datetime.
    return (error.retry_after - datetime.now()).total_seconds()


@pytest.mark.parametrize(
    "failure",
    [RateLimited("429", retry_after=30), ModelUnavailable("overloaded", retry_after=30)],
)
def test_a_service_that_asks_for_time_gets_it(failure: Exception) -> None:
    assert 25 < _seconds_until(translate_failure(failure)) <= 30


@pytest.mark.parametrize(
    "failure", [IntegrationError("400 bad request", retryable=False), ModelRefused("401")]
)
def test_answers_that_will_not_change_stop_the_retries(failure: Exception) -> None:
    translated = translate_failure(failure)

    assert isinstance(translated, inngest.NonRetriableError)
    assert str(failure) in str(translated)


@pytest.mark.parametrize(
    "failure", [IntegrationError("502 from the app"), ModelUnavailable("connection reset")]
)
def test_passing_failures_are_retried_as_they_are(failure: Exception) -> None:
    assert translate_failure(failure) is failure
