"""check-draft: the reply passes the draft checks, or is rewritten once, or is flagged."""

from __future__ import annotations

from sqlalchemy.orm.attributes import flag_modified

from agent.context import ConversationContext
from agent.draft_rewrite import check_and_rewrite
from agent.drafts import judged_actions
from agent.result import AgentResult, AgentState
from workflows.services import Services
from workflows.steps.actions import RoutedAction
from workflows.steps.replies import outcomes
from workflows.store.crud import get_app
from workflows.store.models import AgentRun


async def check_and_redraft(
    services: Services,
    *,
    run_id: str,
    result: AgentResult,
    state: AgentState,
    context: ConversationContext,
    actions: list[RoutedAction],
) -> AgentResult:
    """The result whose draft the customer may read, with the rules it still breaks (if any).

    Claims are judged against what really happened to each action, so this runs after the
    actions were routed and the automatic ones executed.
    """
    if not result.draft:
        return result
    async with services.sessions() as session:
        app = await get_app(session=session, id=context.app_id)
    banned = app.banned_phrases if app is not None else []
    judged = judged_actions(result, outcomes(actions), context=context)
    rewritten = await check_and_rewrite(
        result,
        state,
        judged=judged,
        banned_phrases=banned,
        context=context,
        model_client=services.model_client,
        model=services.settings.anthropic_model,
    )
    if rewritten is None:
        return result
    checked, after = rewritten
    await _record_check(services, run_id=run_id, result=checked, transcript=after.transcript)
    return checked


async def _record_check(
    services: Services, *, run_id: str, result: AgentResult, transcript: list[dict[str, object]]
) -> None:
    """Keep the rewrite on the run: the console shows its flag; a later decision redrafts it."""
    async with services.sessions.begin() as session:
        run = await session.get(AgentRun, run_id)
        if run is None:
            return
        run.result = result.model_dump(mode="json")
        run.transcript = list(transcript)
        run.reasoning = result.reasoning
        run.turns = result.turns
        run.input_tokens = result.usage.input_tokens
        run.output_tokens = result.usage.output_tokens
        run.cache_read_input_tokens = result.usage.cache_read_input_tokens
        run.cache_creation_input_tokens = result.usage.cache_creation_input_tokens
        run.cost_usd = result.cost_usd
        run.redrafted = True
        run.draft_violations = [v.model_dump(mode="json") for v in result.draft_violations]
        flag_modified(run, "result")
        flag_modified(run, "transcript")
