"""Run scenarios live, recording the model's responses, or replaying them, and score each one."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from agent.client import ModelClient
from agent.errors import AgentError
from workflows.evals.checks import score
from workflows.evals.recording import (
    Recording,
    RecordingClient,
    ReplayClient,
    ReplayMismatch,
)
from workflows.evals.runs import run_conversation
from workflows.evals.scenarios import Scenario
from workflows.evals.scorecard import ScenarioResult, Scorecard, build_scorecard

Mode = Literal["live", "record", "replay"]


async def run_scenario(
    scenario: Scenario,
    *,
    mode: Mode,
    model_client: ModelClient | None,
    model: str | None,
    recordings: Path,
) -> ScenarioResult:
    """One scenario's result; a replay miss or a model error fails it with the reason."""
    client: ModelClient
    recording: Recording | None = None
    try:
        if mode == "replay":
            recording = Recording.load(recordings, scenario.id)
            client = ReplayClient(recording)
            model = model or recording.model
        else:
            if model_client is None or model is None:
                raise ValueError(f"a {mode} run needs a model client and a model id")
            client = model_client
            if mode == "record":
                recording = Recording(scenario=scenario.id, model=model)
                client = RecordingClient(model_client, recording)
        outcome = await run_conversation(
            scenario.context(),
            model_client=client,
            model=model,
            policy=scenario.policy,
            now=scenario.now,
            headers=scenario.headers,
        )
    except (ReplayMismatch, AgentError) as exc:
        return ScenarioResult(
            id=scenario.id, category=scenario.category, passed=False, error=str(exc)
        )
    if mode == "record" and recording is not None:
        recording.save(recordings)
    checks = score(scenario.expect, outcome)
    latency = outcome.latency_s
    if isinstance(client, ReplayClient):
        latency += client.recorded_latency_ms / 1000
    return ScenarioResult(
        id=scenario.id,
        category=scenario.category,
        passed=all(c.status != "fail" for c in checks),
        checks=checks,
        model=outcome.result.model,
        usage=outcome.usage,
        cost_usd=outcome.result.cost_usd,
        latency_s=round(latency, 4),
    )


async def run_eval(
    scenarios: Sequence[Scenario],
    *,
    mode: Mode,
    model_client: ModelClient | None = None,
    model: str | None = None,
    recordings: Path,
) -> Scorecard:
    """Every scenario in turn (a model's rate limits are not ours to test), then the scorecard."""
    results = [
        await run_scenario(
            s, mode=mode, model_client=model_client, model=model, recordings=recordings
        )
        for s in scenarios
    ]
    return build_scorecard(results, mode=_describe(mode, recordings))


def _describe(mode: Mode, recordings: Path) -> str:
    if mode == "replay":
        return f"replayed from {recordings}"
    if mode == "record":
        return f"recorded to {recordings}"
    return "live"
