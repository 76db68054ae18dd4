"""`support-agent eval` and `support-agent replay`: measure the agent, compare it with before."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from agent.client import make_model_client
from console.commands.database import Refused, migrated_session
from workflows.config import Settings
from workflows.evals.from_sent import scenarios_yaml
from workflows.evals.replay import (
    Comparison,
    RunNotFound,
    latest_run,
    render_comparison,
    replay_run,
    stored_settings,
)
from workflows.evals.runner import Mode, run_eval
from workflows.evals.scenarios import Scenario, ScenarioError, load_scenarios
from workflows.evals.scorecard import Scorecard, render, scorecard_json
from workflows.store.sent import most_edited_drafts

SCORECARD_FILE = "scorecard.json"


def evaluate(settings: Settings, args: argparse.Namespace) -> int:
    logging.getLogger("agent").setLevel(logging.WARNING)  # the scorecard is the report
    if args.from_sent:
        return _write_from_sent(settings, args)
    path = Path(args.path)
    try:
        scenarios = load_scenarios(path)
    except ScenarioError as error:
        print(f"support-agent eval: {error}", file=sys.stderr)
        return 2
    recordings = Path(args.recordings) if args.recordings else _recordings_beside(path)
    mode: Mode = "replay" if args.replay else "record" if args.record else "live"
    card = asyncio.run(_evaluate(settings, scenarios, mode, args.model, recordings))
    print(render(card))
    if args.json:
        Path(args.json).write_text(scorecard_json(card), encoding="utf-8")
    if mode == "record":
        # Kept with the recordings: a replay is compared against the scorecard they produced.
        (recordings / SCORECARD_FILE).write_text(scorecard_json(card), encoding="utf-8")
    if card.errors:
        print(f"support-agent eval: {len(card.errors)} scenario(s) did not run", file=sys.stderr)
        return 1
    return 0


def _recordings_beside(path: Path) -> Path:
    return (path if path.is_dir() else path.parent) / "recordings"


async def _evaluate(
    settings: Settings,
    scenarios: Sequence[Scenario],
    mode: Mode,
    model: str | None,
    recordings: Path,
) -> Scorecard:
    if mode == "replay":
        return await run_eval(scenarios, mode=mode, model=model, recordings=recordings)
    client = make_model_client(
        api_key=settings.anthropic_api_key, base_url=settings.anthropic_base_url
    )
    try:
        return await run_eval(
            scenarios,
            mode=mode,
            model_client=client,
            model=model or settings.anthropic_model,
            recordings=recordings,
        )
    finally:
        close = getattr(client, "close", None)
        if close is not None:
            await close()


def _write_from_sent(settings: Settings, args: argparse.Namespace) -> int:
    try:
        text, count = asyncio.run(_from_sent(settings, args.min_edit, args.limit))
    except Refused as error:
        print(f"support-agent eval: {error}", file=sys.stderr)
        return 1
    Path(args.from_sent).write_text(text, encoding="utf-8")
    print(f"{count} scenario(s) from rewritten replies written to {args.from_sent}")
    return 0


async def _from_sent(settings: Settings, min_edit: float, limit: int) -> tuple[str, int]:
    async with migrated_session(settings) as session:
        edited = await most_edited_drafts(session=session, min_ratio=min_edit, limit=limit)
    return scenarios_yaml(edited, written_at=datetime.now(UTC))


def replay(settings: Settings, args: argparse.Namespace) -> int:
    logging.getLogger("agent").setLevel(logging.WARNING)  # the comparison is the report
    try:
        comparison = asyncio.run(_replay(settings, args.conversation, args.model))
    except (Refused, RunNotFound) as error:
        print(f"support-agent replay: {error}", file=sys.stderr)
        return 1
    print(render_comparison(comparison))
    return 0


async def _replay(settings: Settings, conversation_id: str, model: str | None) -> Comparison:
    async with migrated_session(settings) as session:
        run = await latest_run(session, conversation_id)
        policy, triage = await stored_settings(session, run.app_id)
    client = make_model_client(
        api_key=settings.anthropic_api_key, base_url=settings.anthropic_base_url
    )
    try:
        return await replay_run(
            run,
            policy=policy,
            triage=triage,
            knowledge_dir=settings.knowledge_dir,
            model_client=client,
            model=model or settings.anthropic_model,
        )
    finally:
        close = getattr(client, "close", None)
        if close is not None:
            await close()
