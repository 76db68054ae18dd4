"""The shipped scenarios, replayed from their recordings as CI runs them: no key, no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from console.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "evals"
# What the set must cover, by the category each file names.
CATEGORIES = {
    "refunds", "access", "transfers", "email_changes", "angry", "legal", "non_english",
    "automated", "vendor", "prompt_injection", "follow_ups",
}  # fmt: skip


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("eval") / "scorecard.json"
    assert main(["eval", str(SHIPPED), "--replay", "--json", str(out)]) == 0
    card: dict[str, Any] = json.loads(out.read_text())
    return card


def test_the_shipped_set_covers_every_category_with_forty_scenarios(
    replayed: dict[str, Any],
) -> None:
    assert replayed["scenarios"] >= 40
    assert set(replayed["categories"]) == CATEGORIES


def test_every_scenario_replays_without_a_model(replayed: dict[str, Any]) -> None:
    results = replayed["results"]
    assert [r["id"] for r in results if r["error"]] == []
    assert replayed["models"] == ["offline"]


def test_no_scenario_that_passed_when_recorded_fails_now(replayed: dict[str, Any]) -> None:
    recorded = json.loads((SHIPPED / "recordings" / "scorecard.json").read_text())
    passed_then = {r["id"] for r in recorded["results"] if r["passed"]}
    results = replayed["results"]
    passed_now = {r["id"] for r in results if r["passed"]}

    assert passed_then - passed_now == set()
    assert replayed["passed"] >= recorded["passed"]
