"""The loop's state between model calls and the result handed to the workflow."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from agent.actions import ProposedAction
from agent.draft_checks import Violation
from agent.pricing import TokenUsage

Outcome = Literal["completed", "max_turns", "truncated"]

_REPLY = re.compile(r"<reply>(.*?)</reply>", re.DOTALL)
_NOTES = re.compile(r"<notes>(.*?)</notes>", re.DOTALL)


class ToolCall(BaseModel):
    """One tool call the model made and what it was told, for the console's audit trail."""

    model_config = ConfigDict(frozen=True)

    tool_use_id: str
    name: str
    input: dict[str, Any]
    # lookup: answered inline; proposal: recorded for the policy; rejected: unknown or malformed.
    kind: Literal["lookup", "proposal", "rejected"]
    result: str
    is_error: bool = False


class AgentState(BaseModel):
    """Everything between two model calls; JSON-serialisable so a durable step can return it."""

    transcript: list[dict[str, Any]]
    tool_calls: list[ToolCall] = Field(default_factory=list)
    proposed_actions: list[ProposedAction] = Field(default_factory=list)
    usage: TokenUsage = Field(default_factory=TokenUsage)
    turns: int = 0
    # The model id the API reported answering, which names the offline stand-in too.
    model: str = ""
    # Set when the model stopped: "completed" with its final text, or "truncated" by max_tokens.
    finished: Outcome | None = None
    final_text: str = ""


class AgentResult(BaseModel):
    """What one agent run produced: a draft, proposals (nothing executed), and its costs."""

    model_config = ConfigDict(frozen=True)

    draft: str
    reasoning: str
    proposed_actions: list[ProposedAction]
    tool_calls: list[ToolCall]
    usage: TokenUsage
    cost_usd: float | None
    model: str
    turns: int
    outcome: Outcome
    # The draft checks the reply still breaks after its one rewrite; it is flagged, not dropped.
    draft_violations: list[Violation] = Field(default_factory=list)
    redrafted: bool = False


def split_final_text(text: str) -> tuple[str, str]:
    """Split the model's last answer into (reply to the customer, notes for teammates)."""
    reply = _REPLY.search(text)
    notes = _NOTES.search(text)
    # A model that forgot the tags still wrote a reply; better a draft than none.
    draft = reply.group(1) if reply else _NOTES.sub("", text)
    return draft.strip(), notes.group(1).strip() if notes else ""
