"""Server-sent events: a page part re-rendered each second and sent only when it changed."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import StreamingResponse

POLL_SECONDS = 1.0
# Streams end after this long and the browser reconnects on its own, so a server that is
# shutting down is never held open by a page left on screen.
STREAM_SECONDS = 30.0
RETRY_MS = 1000


def event_stream(
    request: Request, event: str, snapshot: Callable[[], Awaitable[dict[str, Any]]]
) -> StreamingResponse:
    """Send `snapshot()` as `event` now, then again each time it differs from the last sent."""

    async def events() -> AsyncIterator[str]:
        yield f"retry: {RETRY_MS}\n\n"
        last: dict[str, Any] | None = None
        deadline = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline and not await request.is_disconnected():
            current = await snapshot()
            if current != last:
                yield f"event: {event}\ndata: {json.dumps(current)}\n\n"
                last = current
            # Real time, on purpose: this paces the polling, it does not measure any deadline.
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
