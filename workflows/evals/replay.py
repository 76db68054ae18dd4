"""Replay a stored agent run: its context through today's prompt and model, compared with then.

Both runs go through today's policy and draft composition at the moment the stored run was made,
so what differs comes from triage, the prompt and the model. Nothing is executed or sent.
"""

from __future__ import annotations

import difflib
import json

from pydantic import BaseModel, ConfigDict
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from agent.client import ModelClient
from agent.context import AppPolicy, ConversationContext
from agent.drafts import compose_draft
from agent.result import AgentResult
from agent.triage import TriageSettings
from workflows.evals.runs import RoutedProposal, route, run_conversation
from workflows.integrations.registry import app_policy, load_knowledge, triage_settings
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
    """The conversation's newest agent run that kept its context (triage-only runs keep none)."""
    query = (
        select(AgentRun)
        .where(AgentRun.conversation_id == conversation_id)
        .order_by(col(AgentRun.created_at).desc())
    )
    for run in await session.exec(query):
        if run.context and run.result:
            return run
    raise RunNotFound(f"no stored agent run for conversation {conversation_id}")


async def stored_settings(session: AsyncSession, app_id: str) -> tuple[AppPolicy, TriageSettings]:
    """The app's policy and triage settings as they are today; defaults when the app is gone."""
    app = await get_app(session=session, id=app_id)
    if app is None:
        return AppPolicy(), TriageSettings()
    return app_policy(app), triage_settings(app)


async def replay_run(
    run: AgentRun,
    *,
    policy: AppPolicy,
    triage: TriageSettings,
    knowledge_dir: str,
    model_client: ModelClient,
    model: str,
) -> Comparison:
    """Run the stored context again and summarise both runs the same way."""
    # Knowledge is not stored with the run (it is long and the same for every run of the app).
    context = ConversationContext.model_validate(
        {**run.context, "knowledge": load_knowledge(run.app_id, knowledge_dir)}
    )
    stored = AgentResult.model_validate(run.result)
    actions, outcomes = route(stored, context=context, policy=policy, now=run.created_at)
    today = await run_conversation(
        context,
        model_client=model_client,
        model=model,
        policy=policy,
        now=run.created_at,
        triage_settings=triage,
    )
    return Comparison(
        conversation_id=run.conversation_id,
        run_id=run.id,
        before=RunSummary(
            model=stored.model,
            triage_class=run.triage_kind,
            tools=[call.name for call in stored.tool_calls],
            actions=actions,
            draft=compose_draft(stored, outcomes, context=context),
        ),
        after=RunSummary(
            model=today.result.model or model,
            triage_class=today.triage_class,
            tools=[call.name for call in today.result.tool_calls],
            actions=today.actions,
            draft=today.draft,
        ),
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
