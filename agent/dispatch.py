"""Answers one tool call of the model: look-ups inline, mutating tools recorded as proposals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from agent.actions import MUTATING_TOOLS, PARAMS_BY_TOOL, ProposedAction
from agent.context import ConversationContext
from agent.lookups import run_lookup
from agent.result import ToolCall
from agent.tools import READ_ONLY_TOOLS

if TYPE_CHECKING:
    from anthropic.types import ToolUseBlock

RECORDED = (
    "Recorded as a proposal for review. It has NOT been carried out: the company's rules and a "
    "human decide. Do not tell the customer it has happened."
)
ALREADY_RECORDED = "This exact proposal was already recorded; it has NOT been carried out."


def dispatch_tool_use(
    block: ToolUseBlock,
    *,
    rationale: str,
    proposed: Sequence[ProposedAction],
    context: ConversationContext,
) -> tuple[ToolCall, ProposedAction | None]:
    """The call as audited and answered, plus the new proposal it made, if any."""
    arguments = dict(block.input)

    def answer(kind: Any, result: str, *, is_error: bool = False) -> ToolCall:
        return ToolCall(
            tool_use_id=block.id,
            name=block.name,
            input=arguments,
            kind=kind,
            result=result,
            is_error=is_error,
        )

    if block.name in READ_ONLY_TOOLS:
        found = run_lookup(block.name, arguments, context)
        return answer("lookup", found.content, is_error=found.is_error), None
    if block.name not in MUTATING_TOOLS:
        return answer("rejected", f"Unknown tool {block.name!r}.", is_error=True), None
    try:
        PARAMS_BY_TOOL[block.name].model_validate(arguments)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return answer(
            "rejected", f"Invalid input for {block.name}: {problems}", is_error=True
        ), None
    if any(a.tool == block.name and a.params == arguments for a in proposed):
        return answer("proposal", ALREADY_RECORDED), None
    action = ProposedAction(
        tool=block.name, params=arguments, rationale=rationale, tool_use_id=block.id
    )
    return answer("proposal", RECORDED), action


def tool_result_block(call: ToolCall) -> dict[str, Any]:
    """The tool_result block that tells the model what came of its call."""
    return {
        "type": "tool_result",
        "tool_use_id": call.tool_use_id,
        "content": call.result,
        "is_error": call.is_error,
    }
