"""Record a model's responses by request, and replay them without a key or network.

A recorded turn is kept under the SHA-256 of its whole request (model, max_tokens, system prompt,
tools, messages, and anything else sent), with a hash of each part beside it: when a replayed run
sends a request the recording does not hold, the error says which part changed since then.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from anthropic.types import Message
from pydantic import BaseModel, Field

from agent.client import ModelClient

# Shown by value when they differ; every other part of a request is compared by its hash.
_PLAIN = ("model", "max_tokens")
_NAMES = {
    "system": "the system prompt",
    "tools": "the tool definitions",
    "messages": "the messages",
}


class ReplayMismatch(Exception):
    """A replayed run asked for a response the recording does not have."""


class RecordedTurn(BaseModel):
    key: str
    parts: dict[str, str]
    # How long the model took when recorded; a replay reports it instead of its own instant answer.
    latency_ms: float = 0
    response: dict[str, Any]


class Recording(BaseModel):
    """One scenario's model turns, in the order they were made."""

    scenario: str
    model: str
    turns: list[RecordedTurn] = Field(default_factory=list)

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.model_dump(mode="json"), indent=1, ensure_ascii=False)
        (directory / f"{self.scenario}.json").write_text(text + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path, scenario: str) -> Recording:
        path = directory / f"{scenario}.json"
        if not path.is_file():
            raise ReplayMismatch(
                f"no recording at {path}; record it with `support-agent eval --record`"
            )
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


def _digest(value: Any) -> str:
    canonical = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def request_parts(request: dict[str, Any]) -> dict[str, str]:
    """A hash of each part of a Messages API request (the model id and token limit as they are)."""
    plain = json.loads(json.dumps(request, default=str))
    return {
        part: str(value) if part in _PLAIN else _digest(value)
        for part, value in sorted(plain.items())
    }


def request_key(parts: dict[str, str]) -> str:
    return _digest(parts)


class _RecordingMessages:
    def __init__(self, inner: ModelClient, recording: Recording) -> None:
        self._inner = inner
        self._recording = recording

    async def create(self, **request: Any) -> Message:
        parts = request_parts(request)
        started = time.perf_counter()
        response = await self._inner.messages.create(**request)
        elapsed = (time.perf_counter() - started) * 1000
        self._recording.turns.append(
            RecordedTurn(
                key=request_key(parts),
                parts=parts,
                latency_ms=round(elapsed, 1),
                response=response.model_dump(mode="json", exclude_none=True),
            )
        )
        return response


class RecordingClient:
    """A model client that passes every call on and keeps its request key and response."""

    def __init__(self, inner: ModelClient, recording: Recording) -> None:
        self.messages = _RecordingMessages(inner, recording)


class _ReplayMessages:
    def __init__(self, recording: Recording) -> None:
        self._recording = recording
        self._calls = 0
        self.latency_ms = 0.0

    async def create(self, **request: Any) -> Message:
        parts = request_parts(request)
        key = request_key(parts)
        index, self._calls = self._calls, self._calls + 1
        found = next((t for t in self._recording.turns if t.key == key), None)
        if found is None:
            raise ReplayMismatch(_explain(self._recording, index, parts))
        self.latency_ms += found.latency_ms
        return Message.model_validate(found.response)


class ReplayClient:
    """A model client that answers only requests it has a recorded response for."""

    def __init__(self, recording: Recording) -> None:
        self.messages = _ReplayMessages(recording)

    @property
    def recorded_latency_ms(self) -> float:
        """What the answers given so far took the model when they were recorded."""
        return self.messages.latency_ms


def _explain(recording: Recording, index: int, parts: dict[str, str]) -> str:
    prefix = f"request {index + 1} is not in the recording"
    if index >= len(recording.turns):
        return f"{prefix} (it has {len(recording.turns)} turns); re-record with --record"
    changed = list(_changed(recording.turns[index].parts, parts)) or ["the request"]
    listed = " and ".join([", ".join(changed[:-1]), changed[-1]] if len(changed) > 1 else changed)
    return f"{prefix}: {listed} changed since it was recorded; re-record with --record"


def _changed(recorded: dict[str, str], sent: dict[str, str]) -> Iterable[str]:
    for part in sorted(recorded.keys() | sent.keys(), key=lambda p: (p not in _PLAIN, p)):
        if recorded.get(part) != sent.get(part):
            if part in _PLAIN:
                yield f"{part} ({recorded.get(part)} → {sent.get(part)})"
            else:
                yield _NAMES.get(part, part)
