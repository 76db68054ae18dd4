"""The model client surface the loop needs, and the one place that picks real or offline."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol

from agent.offline import OfflineModel

if TYPE_CHECKING:
    import anthropic
    from anthropic import Omit
    from anthropic.types import (
        Message,
        MessageParam,
        TextBlockParam,
        ToolChoiceParam,
        ToolParam,
    )


class MessagesAPI(Protocol):
    """The one method of `AsyncAnthropic().messages` the loop calls."""

    async def create(
        self,
        *,
        max_tokens: int,
        messages: Iterable[MessageParam],
        model: str,
        system: Iterable[TextBlockParam],
        tools: Iterable[ToolParam],
        tool_choice: ToolChoiceParam | Omit = ...,
    ) -> Message: ...


class ModelClient(Protocol):
    """An `anthropic.AsyncAnthropic` built with max_retries=0, or the offline stand-in."""

    @property
    def messages(self) -> MessagesAPI: ...


def make_model_client(
    *, api_key: str | None, base_url: str | None = None, timeout: float = 120.0
) -> anthropic.AsyncAnthropic | OfflineModel:
    """A real client when a key is given, else the offline model; SDK retries are always off."""
    if not api_key:
        return OfflineModel()
    # Imported only for a real client: the SDK takes seconds to import, and serving starts first.
    import anthropic

    # The durable engine retries whole steps; retrying inside one would multiply attempts.
    return anthropic.AsyncAnthropic(
        api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout
    )


def load_model_sdk() -> None:
    """Import the model SDK, which takes seconds: a server does it in a thread once it is
    ready, so that the first model call does not hold up its event loop that long."""
    importlib.import_module("anthropic")


class ModelClientOnFirstUse:
    """The client `make_model_client` builds, built when the model is first called.

    A real client imports the SDK, which takes seconds; a server builds this one at start.
    """

    def __init__(self, *, api_key: str | None, base_url: str | None = None) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._client: anthropic.AsyncAnthropic | OfflineModel | None = None

    @property
    def messages(self) -> MessagesAPI:
        if self._client is None:
            self._client = make_model_client(api_key=self._api_key, base_url=self._base_url)
        return self._client.messages

    async def close(self) -> None:
        """Close the real client's connections, if one was built."""
        if self._client is not None and not isinstance(self._client, OfflineModel):
            await self._client.close()
