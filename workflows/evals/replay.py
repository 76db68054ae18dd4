"""Replay a stored agent run: its context through today's prompt and model, compared with then.

Both runs go through today's policy and draft composition at the moment the stored run was made,
so what differs comes from the prompt and the model. Nothing is executed or sent.
"""

from __future__ import annotations

import difflib
import json

from pydantic import BaseModel, ConfigDict
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from agent.client import ModelClient
from agent.context import AppPolicy, ConversationContext
from agent.loop import run_agent
from agent.result import AgentResult
from workflows.evals.runs import RoutedProposal, route, triage_class
from workflows.integrations.registry import app_policy, load_knowledge
from workflows.store.crud import get_app
from workflows.store.models import AgentRun


class RunNotFound(Exception):
    """No stored agent run for the conversation."""


class RunSummary(BaseModel):
    """One side of the comparison."""

    model_config = ConfigDict(frozen=True)

    model: str
    triage_class: str | None
    tools: list[str]
    actions: list[RoutedProposal]
    draft: str


class Comparison(BaseModel):
    model_config = ConfigDict(frozen=True)

    conversation_id: str
    run_id: str
    before: RunSummary
    after: RunSummary


async def latest_run(session: AsyncSession, conversation_id: str) -> AgentRun:
    """The conversation's newest stored agent run."""
    query = (
        select(AgentRun)
        .where(AgentRun.conversation_id == conversation_id)
        .order_by(col(AgentRun.created_at).desc())
        .limit(1)
    )
    run = (await session.exec(query)).first()
    if run is None or not run.result or not run.context:
        raise RunNotFound(f"no stored agent run for conversation {conversation_id}")
    return run


async def stored_policy(session: AsyncSession, app_id: str) -> AppPolicy:
    """The app's policy as it is today; the cautious defaults when the app is gone."""
    app = await get_app(session=session, id=app_id)
    return app_policy(app) if app is not None else AppPolicy()


def _summary(
    result: AgentResult, context: ConversationContext, policy: AppPolicy, run: AgentRun
) -> RunSummary:
    actions, draft = route(result, context=context, policy=policy, now=run.created_at)
    return RunSummary(
        model=result.model,
        triage_class=triage_class(context),
        tools=[call.name for call in result.tool_calls],
        actions=actions,
        draft=draft,
    )


async def replay_run(
    run: AgentRun,
    *,
    policy: AppPolicy,
    knowledge_dir: str,
    model_client: ModelClient,
    model: str,
) -> Comparison:
    """Run the stored context again and summarise both runs the same way."""
    # Knowledge is not stored with the run (it is long and the same for every run of the app).
    context = ConversationContext.model_validate(
        {**run.context, "knowledge": load_knowledge(run.app_id, knowledge_dir)}
    )
    before = AgentResult.model_validate(run.result)
    after = await run_agent(context=context, model_client=model_client, model=model)
    return Comparison(
        conversation_id=run.conversation_id,
        run_id=run.id,
        before=_summary(before, context, policy, run),
        after=_summary(after, context, policy, run),
    )


def _action_lines(actions: list[RoutedProposal]) -> list[str]:
    return [
        f"{a.tool} {json.dumps(a.params, sort_keys=True, ensure_ascii=False)} → {a.verdict}"
        for a in actions
    ]


def _diff(before: list[str], after: list[str], *, label: str) -> list[str]:
    lines = list(
        difflib.unified_diff(
            before, after, fromfile=f"{label} (stored run)", tofile=f"{label} (today)", lineterm=""
        )
    )
    return lines or [f"{label}: same"]


def render_comparison(comparison: Comparison) -> str:
    """Class, tools, verdicts and draft: `same`, or what changed (drafts as a unified diff)."""
    before, after = comparison.before, comparison.after
    lines = [
        f"conversation {comparison.conversation_id}, run {comparison.run_id}: "
        f"{before.model} then, {after.model} now",
    ]
    classes = (before.triage_class or "-", after.triage_class or "-")
    lines.append(
        "class: same" if classes[0] == classes[1] else f"class: {classes[0]} → {classes[1]}"
    )
    lines.append(
        "tools: same"
        if before.tools == after.tools
        else f"tools: {', '.join(before.tools) or '-'} → {', '.join(after.tools) or '-'}"
    )
    lines += _diff(_action_lines(before.actions), _action_lines(after.actions), label="verdicts")
    lines += _diff(before.draft.splitlines(), after.draft.splitlines(), label="draft")
    return "\n".join(lines)
