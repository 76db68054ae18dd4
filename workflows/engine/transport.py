"""HTTP from the engine to the apps it runs: one keep-alive session for every call.

aiohttp rather than httpx here: a call is the engine's hot path, and aiohttp's client costs a
quarter of httpx's per request on loopback.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import aiohttp


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    content: bytes


class TransportError(Exception):
    """A request that got no HTTP answer: refused, reset or timed out."""

    def __init__(self, cause: Exception) -> None:
        super().__init__(str(cause) or type(cause).__name__)
        self.kind = type(cause).__name__


class Transport:
    """Keeps connections to the apps open between calls; the session is made on first use,
    inside the event loop that will run it."""

    def __init__(self, *, timeout: float, connect_timeout: float, connections: int) -> None:
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self._connections = connections
        self._session: aiohttp.ClientSession | None = None

    async def request(
        self, method: str, url: str, *, content: bytes = b"", headers: dict[str, str]
    ) -> Response:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit=self._connections),
            )
        try:
            # As a stream: aiohttp warns about (and writes in one go) bytes over 1 MiB.
            stream = io.BytesIO(content)
            async with self._session.request(method, url, data=stream, headers=headers) as reply:
                body = await reply.read()
                names = {name.lower(): value for name, value in reply.headers.items()}
                return Response(status=reply.status, headers=names, content=body)
        except (aiohttp.ClientError, TimeoutError) as error:
            raise TransportError(error) from error

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
