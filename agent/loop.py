"""The Anthropic tool-use loop: look-ups run inline, mutating tools only become proposals.

Each model call is one turn. `call_model` is the only part with I/O; `apply_response` is pure, so
the whole run is deterministic given the model's responses, and a durable workflow may put each
call in its own step by calling `next_turn` (or the two halves) itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from agent.actions import ProposedAction
from agent.client import ModelClient
from agent.context import ConversationContext
from agent.dispatch import dispatch_tool_use, tool_result_block
from agent.errors import ModelRefused, sdk_errors_translated
from agent.pricing import TokenUsage, estimate_cost_usd
from agent.prompts import SYSTEM_PROMPT, knowledge_block, render_conversation
from agent.result import AgentResult, AgentState, ToolCall, split_final_text
from agent.tools import tool_definitions

if TYPE_CHECKING:
    from anthropic.types import CacheControlEphemeralParam, Message, MessageParam, TextBlockParam

logger = logging.getLogger(__name__)

# A current model from the SDK's own list (not on its deprecation list); callers pass their own.
DEFAULT_MODEL = "claude-sonnet-4-6"
DEFAULT_MAX_TURNS = 8
DEFAULT_MAX_TOKENS = 2048


def start(context: ConversationContext) -> AgentState:
    """The state before the first model call: one user turn holding the fenced conversation."""
    return AgentState(transcript=[{"role": "user", "content": render_conversation(context)}])


_BREAKPOINT: CacheControlEphemeralParam = {"type": "ephemeral"}


def system_blocks(system_prompt: str, knowledge: str = "") -> list[TextBlockParam]:
    """The system prompt, then the app's knowledge, with the prompt-cache breakpoint after both.

    Tools, prompt and knowledge are the same on every call for an app: one cached prefix, long
    enough to pass the minimum a model caches.
    """
    blocks: list[TextBlockParam] = [{"type": "text", "text": system_prompt}]
    if knowledge.strip():
        blocks.append({"type": "text", "text": knowledge_block(knowledge)})
    blocks[-1]["cache_control"] = _BREAKPOINT
    return blocks


def with_transcript_breakpoint(transcript: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of the transcript with a cache breakpoint on the last block of its last user turn.

    Each turn moves it forward: the next call reads everything up to it from the cache and writes
    only what the turn added.
    """
    marked = [dict(message) for message in transcript]
    for message in reversed(marked):
        if message["role"] != "user":
            continue
        content = message["content"]
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if blocks:
            message["content"] = [*blocks[:-1], {**blocks[-1], "cache_control": _BREAKPOINT}]
        break
    return marked


async def call_model(
    state: AgentState,
    *,
    model_client: ModelClient,
    model: str,
    system_prompt: str = SYSTEM_PROMPT,
    knowledge: str = "",
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> Message:
    """One Messages API call for the current transcript; SDK errors become AgentErrors."""
    with sdk_errors_translated():
        return await model_client.messages.create(
            model=model,
            max_tokens=max_tokens,
            system=system_blocks(system_prompt, knowledge),
            tools=tool_definitions(),
            messages=cast("list[MessageParam]", with_transcript_breakpoint(state.transcript)),
        )


def _usage(response: Message) -> TokenUsage:
    usage = response.usage
    return TokenUsage(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens,
        cache_creation_input_tokens=usage.cache_creation_input_tokens or 0,
        cache_read_input_tokens=usage.cache_read_input_tokens or 0,
    )


def _block_param(block: Any) -> dict[str, Any]:
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    # Thinking and server blocks go back as received; the API checks their signatures.
    return cast(dict[str, Any], block.model_dump(mode="json", exclude_none=True))


def apply_response(
    state: AgentState, response: Message, *, context: ConversationContext
) -> AgentState:
    """Fold one model response into a new state: answer look-ups, record proposals, see the end."""
    if response.stop_reason in ("refusal", "model_context_window_exceeded"):
        raise ModelRefused(f"model stopped with {response.stop_reason}")
    new = state.model_copy(deep=True)
    new.turns += 1
    new.model = response.model
    new.usage = new.usage + _usage(response)
    new.transcript.append(
        {"role": "assistant", "content": [_block_param(b) for b in response.content]}
    )
    text = "\n".join(b.text for b in response.content if b.type == "text").strip()
    tool_uses = [b for b in response.content if b.type == "tool_use"]
    if response.stop_reason == "max_tokens":
        new.finished, new.final_text = "truncated", text
        return new
    if not tool_uses:
        if response.stop_reason != "pause_turn":
            new.finished, new.final_text = "completed", text
        return new
    calls: list[ToolCall] = []
    for block in tool_uses:
        call, action = dispatch_tool_use(
            block, rationale=text, proposed=new.proposed_actions, context=context
        )
        calls.append(call)
        if action is not None:
            new.proposed_actions.append(action)
    new.tool_calls.extend(calls)
    new.transcript.append({"role": "user", "content": [tool_result_block(c) for c in calls]})
    return new


async def next_turn(
    state: AgentState,
    *,
    context: ConversationContext,
    model_client: ModelClient,
    model: str,
    system_prompt: str = SYSTEM_PROMPT,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> AgentState:
    """One model call and its tool results: the unit a durable workflow may wrap in a step."""
    response = await call_model(
        state,
        model_client=model_client,
        model=model,
        system_prompt=system_prompt,
        knowledge=context.knowledge,
        max_tokens=max_tokens,
    )
    return apply_response(state, response, context=context)


def finish(state: AgentState, *, model: str) -> AgentResult:
    """Turn the last state into a result; a run that did not complete is handed to a human."""
    model = state.model or model
    outcome = state.finished or "max_turns"
    draft, notes = split_final_text(state.final_text) if outcome == "completed" else ("", "")
    actions = list(state.proposed_actions)
    if (outcome != "completed" or not draft) and not _escalated(actions):
        reason = f"The agent did not finish its reply ({outcome} after {state.turns} turns)."
        actions.append(
            ProposedAction(
                tool="escalate_to_human", params={"reason": reason}, tool_use_id=f"loop-{outcome}"
            )
        )
    return AgentResult(
        draft=draft,
        reasoning=notes or _fallback_reasoning(state.tool_calls),
        proposed_actions=actions,
        tool_calls=state.tool_calls,
        usage=state.usage,
        cost_usd=estimate_cost_usd(model, state.usage),
        model=model,
        turns=state.turns,
        outcome=outcome,
    )


def _escalated(actions: Sequence[ProposedAction]) -> bool:
    return any(a.tool == "escalate_to_human" for a in actions)


def _fallback_reasoning(calls: Sequence[ToolCall]) -> str:
    looked_up = sorted({c.name for c in calls if c.kind == "lookup"})
    proposed = [
        f"{c.name} {json.dumps(c.input, sort_keys=True)}" for c in calls if c.kind == "proposal"
    ]
    return (
        f"Looked up: {', '.join(looked_up) or 'nothing'}. "
        f"Proposed: {'; '.join(proposed) or 'nothing'}."
    )


async def run_agent(
    *,
    context: ConversationContext,
    model_client: ModelClient,
    model: str = DEFAULT_MODEL,
    system_prompt: str = SYSTEM_PROMPT,
    max_turns: int = DEFAULT_MAX_TURNS,
    max_tokens: int = DEFAULT_MAX_TOKENS,
) -> AgentResult:
    """Run the tool-use loop to the model's final reply or `max_turns`; executes nothing."""
    state = start(context)
    while state.finished is None and state.turns < max_turns:
        state = await next_turn(
            state,
            context=context,
            model_client=model_client,
            model=model,
            system_prompt=system_prompt,
            max_tokens=max_tokens,
        )
    result = finish(state, model=model)
    logger.info(
        "agent run for %s: %s in %d turns, %d proposals, cost %s USD",
        context.conversation_id,
        result.outcome,
        result.turns,
        len(result.proposed_actions),
        result.cost_usd,
    )
    return result
