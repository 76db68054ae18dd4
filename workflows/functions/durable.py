"""Run step bodies that return models, and tell the engine which failures are worth retrying."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import inngest
from pydantic import BaseModel

from agent.errors import ModelRefused, ModelUnavailable
from workflows.errors import IntegrationError, RateLimited

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
logger = logging.getLogger(__name__)

# Retries after the first attempt, for the functions that carry a customer's message or an
# approved action. The engine waits 1 s before the first retry and doubles each time (at most
# 10 minutes): the tenth retry runs about 17 minutes after the first failure, so a database or
# network outage of several minutes is outlived. Inngest's own backoff is longer still.
OUTAGE_RETRIES = 10

# A step whose failure must not hold the run (posting a Slack card the console can stand in for)
# gives up after this many retries instead of the whole outage budget.
SIDE_STEP_RETRIES = 4

# on_failure handlers are registered by the SDK with no retries of their own; their step is
# retried here instead, durably, after each of these pauses (about an hour in all).
FAILURE_HANDLER_PAUSES = tuple(
    timedelta(seconds=s) for s in (10, 30, 60, 120, 300, 600, 600, 600, 600, 600)
)


def translate_failure(exc: Exception) -> Exception:
    """The engine's view of a failure: wait as asked, retry, or stop at once."""
    if isinstance(exc, RateLimited):
        return inngest.RetryAfterError(str(exc), timedelta(seconds=exc.retry_after))
    if isinstance(exc, ModelUnavailable) and exc.retry_after is not None:
        return inngest.RetryAfterError(str(exc), timedelta(seconds=exc.retry_after))
    if isinstance(exc, IntegrationError) and not exc.retryable:
        return inngest.NonRetriableError(str(exc))
    if isinstance(exc, ModelRefused):
        return inngest.NonRetriableError(str(exc))
    return exc


async def run_step(
    ctx: inngest.Context,
    step_id: str,
    model: type[M],
    body: Callable[[], Awaitable[M]],
) -> M:
    """`ctx.step.run` for a body returning a pydantic model, memoized as JSON."""

    async def memoizable() -> dict[str, Any]:
        try:
            return (await body()).model_dump(mode="json")
        except (IntegrationError, ModelUnavailable, ModelRefused) as exc:
            raise translate_failure(exc) from exc

    return model.model_validate(await ctx.step.run(step_id, memoizable))


async def run_step_until_done(
    ctx: inngest.Context,
    step_id: str,
    body: Callable[[], Awaitable[T]],
    *,
    pauses: tuple[timedelta, ...] = FAILURE_HANDLER_PAUSES,
) -> T:
    """`ctx.step.run`, tried again after each pause while it fails: an escalation that cannot
    be written during an outage is written once the outage ends, not dropped.

    The pauses are counted from the triggering event's time, which the engine stamps, rather
    than from this process's clock: every replay computes the same wake times, and they hold
    wherever the engine's clock and this machine's disagree.
    """
    wake = datetime.fromtimestamp(ctx.event.ts / 1000, UTC) if ctx.event.ts else datetime.now(UTC)
    for pause in pauses:
        try:
            return await ctx.step.run(step_id, body)
        except inngest.StepError as error:
            ctx.logger.warning(
                "%s failed (%s); trying again in %s", step_id, _first_line(error), pause
            )
            wake += pause
            await ctx.step.sleep_until(f"{step_id}-pause", wake)
    return await ctx.step.run(step_id, body)


async def run_side_step(
    ctx: inngest.Context,
    step_id: str,
    body: Callable[[], Awaitable[T]],
    *,
    retries: int = SIDE_STEP_RETRIES,
) -> T | None:
    """`ctx.step.run` for a step the run can go on without: None once `retries` have failed."""

    async def attempt() -> T | None:
        try:
            return await body()
        except Exception as error:
            if ctx.attempt < retries:
                raise
            logger.warning("%s given up after %d retries: %s", step_id, retries, _first_line(error))
            return None

    return await ctx.step.run(step_id, attempt)


def _first_line(error: Exception) -> str:
    # A driver's message goes on to quote the statement and its parameters: customer data.
    text = str(error)
    return f"{type(error).__name__}: {text.splitlines()[0] if text else ''}"
