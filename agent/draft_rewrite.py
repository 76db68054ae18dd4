"""The draft checks on a finished reply, and its one rewrite when it breaks any of them."""

from __future__ import annotations

from collections.abc import Sequence

from agent.claims import JudgedAction
from agent.client import ModelClient
from agent.context import ConversationContext
from agent.draft_checks import check_draft
from agent.errors import ModelRefused
from agent.loop import next_turn
from agent.pricing import estimate_cost_usd
from agent.redraft import check_notice
from agent.result import AgentResult, AgentState, split_final_text


async def check_and_rewrite(
    result: AgentResult,
    state: AgentState,
    *,
    judged: Sequence[JudgedAction],
    banned_phrases: Sequence[str] = (),
    context: ConversationContext,
    model_client: ModelClient,
    model: str,
) -> tuple[AgentResult, AgentState] | None:
    """None when the reply breaks no rule; else the result after one rewrite, flagged with the
    rules it still breaks, and the state after the rewrite."""
    if not result.draft:
        return None
    found = check_draft(
        result.draft, context=context, actions=judged, banned_phrases=banned_phrases
    )
    if not found:
        return None
    retry = state.model_copy(
        update={
            "transcript": [*state.transcript, {"role": "user", "content": check_notice(found)}],
            "finished": None,
            "final_text": "",
        }
    )
    try:
        after = await next_turn(retry, context=context, model_client=model_client, model=model)
    except ModelRefused:
        # The model will not rewrite this reply: it stands, flagged, for a person to fix.
        after = state.model_copy(update={"finished": None})
    draft, notes = split_final_text(after.final_text) if after.finished == "completed" else ("", "")
    # A rewrite that proposes or looks anything up is not a reply: the first draft stands.
    draft = draft or result.draft
    checked = result.model_copy(
        update={
            "draft": draft,
            "reasoning": f"{result.reasoning}\nRewritten after the draft checks: {notes}"
            if notes
            else result.reasoning,
            "usage": after.usage,
            "cost_usd": estimate_cost_usd(after.model or model, after.usage),
            "turns": after.turns,
            "redrafted": True,
            "draft_violations": check_draft(
                draft, context=context, actions=judged, banned_phrases=banned_phrases
            ),
        }
    )
    return checked, after
