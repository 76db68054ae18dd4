"""Run step bodies that return models, and tell the engine which failures are worth retrying."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import inngest
from pydantic import BaseModel

from agent.errors import ModelRefused, ModelUnavailable
from workflows.errors import IntegrationError, RateLimited

M = TypeVar("M", bound=BaseModel)


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
