"""The scorecard: pass rate per category, tokens, cost and latency, as text and as JSON."""

from __future__ import annotations

import json
import statistics
from collections import Counter

from pydantic import BaseModel, ConfigDict, Field

from agent.pricing import TokenUsage
from workflows.evals.checks import Check


class ScenarioResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    category: str
    passed: bool
    checks: list[Check] = Field(default_factory=list)
    # Set when the run could not complete (a replay miss, a model error): the scenario fails.
    error: str | None = None
    model: str = ""
    usage: TokenUsage = Field(default_factory=TokenUsage)
    cost_usd: float | None = 0.0
    latency_s: float = 0.0


class CategoryScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    scenarios: int
    passed: int

    @property
    def rate(self) -> float:
        return self.passed / self.scenarios if self.scenarios else 0.0


class Scorecard(BaseModel):
    model_config = ConfigDict(frozen=True)

    mode: str
    models: list[str]
    categories: dict[str, CategoryScore]
    scenarios: int
    passed: int
    usage: TokenUsage
    # None when some model has no price row.
    cost_usd: float | None
    latency_p50_s: float
    latency_max_s: float
    skipped_checks: dict[str, int]
    results: list[ScenarioResult]

    @property
    def pass_rate(self) -> float:
        return self.passed / self.scenarios if self.scenarios else 0.0

    @property
    def errors(self) -> list[ScenarioResult]:
        return [r for r in self.results if r.error is not None]


def build_scorecard(results: list[ScenarioResult], *, mode: str) -> Scorecard:
    """Aggregate scenario results by category (in the order first seen)."""
    categories: dict[str, CategoryScore] = {}
    for result in results:
        old = categories.get(result.category, CategoryScore(scenarios=0, passed=0))
        categories[result.category] = CategoryScore(
            scenarios=old.scenarios + 1, passed=old.passed + result.passed
        )
    usage = sum((r.usage for r in results), TokenUsage())
    costs = [r.cost_usd for r in results]
    latencies = [r.latency_s for r in results] or [0.0]
    skipped = Counter(
        f"{c.name}: {c.detail}" for r in results for c in r.checks if c.status == "skip"
    )
    return Scorecard(
        mode=mode,
        models=sorted({r.model for r in results if r.model}),
        categories=categories,
        scenarios=len(results),
        passed=sum(r.passed for r in results),
        usage=usage,
        cost_usd=None if None in costs else round(sum(c or 0.0 for c in costs), 6),
        latency_p50_s=round(statistics.median(latencies), 3),
        latency_max_s=round(max(latencies), 3),
        skipped_checks=dict(sorted(skipped.items())),
        results=results,
    )


def scorecard_json(card: Scorecard) -> str:
    document = card.model_dump(mode="json")
    document["pass_rate"] = round(card.pass_rate, 4)
    for name, score in card.categories.items():
        document["categories"][name]["rate"] = round(score.rate, 4)
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def render(card: Scorecard) -> str:
    """The scorecard as a short text table, failures listed under it."""
    width = max([len(name) for name in card.categories] + [8])
    lines = [
        f"{card.scenarios} scenarios, {card.mode}, model {', '.join(card.models) or '-'}",
        "",
        f"{'category':<{width}}  passed  rate",
    ]
    for name, score in card.categories.items():
        lines.append(f"{name:<{width}}  {score.passed:>3}/{score.scenarios:<3} {score.rate:>5.0%}")
    lines.append(f"{'total':<{width}}  {card.passed:>3}/{card.scenarios:<3} {card.pass_rate:>5.0%}")
    usage = card.usage
    cost = "unknown (no price for the model)" if card.cost_usd is None else f"${card.cost_usd:.4f}"
    lines += [
        "",
        f"tokens   in {usage.input_tokens}, out {usage.output_tokens}, cache read "
        f"{usage.cache_read_input_tokens}, cache write {usage.cache_creation_input_tokens}",
        f"cost     {cost} (estimated from list prices)",
        f"latency  median {card.latency_p50_s:.2f} s, max {card.latency_max_s:.2f} s per scenario",
    ]
    for reason, count in card.skipped_checks.items():
        lines.append(f"skipped  {count} x {reason}")
    failed = [r for r in card.results if not r.passed]
    if failed:
        lines += ["", "failed:"]
    for result in failed:
        problems = [result.error] if result.error else []
        problems += [f"{c.name}: {c.detail}" for c in result.checks if c.status == "fail"]
        lines.append(f"  {result.id}: {'; '.join(p for p in problems if p)}")
    return "\n".join(lines)
