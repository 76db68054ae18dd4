"""Scenario files: what they become, and the errors that name the file and the problem."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from workflows.evals.scenarios import EVAL_NOW, ScenarioError, load_scenarios

TWO_MESSAGES = """\
- id: two-in-a-row
  customer: {id: usr_1, email: one@example.com}
  purchases:
    - {id: pur_1, product: Sync add-on (1 year), amount_cents: 900, days_ago: 9}
  messages:
    - {text: "Refund please.", minutes_ago: 6}
    - {text: "The Sync add-on.", minutes_ago: 5}
  expect: {}
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_times_are_fixed_relative_to_the_scenario_moment(tmp_path: Path) -> None:
    _write(tmp_path, "refunds.yaml", TWO_MESSAGES)

    (scenario,) = load_scenarios(tmp_path)
    context = scenario.context()

    assert scenario.category == "refunds"
    assert context.conversation_id == "cnv_eval_two-in-a-row"
    assert context.sender_email == "one@example.com"
    assert context.purchases[0].purchased_at == EVAL_NOW - timedelta(days=9)
    assert [m.sent_at for m in context.messages] == [
        EVAL_NOW - timedelta(minutes=6),
        EVAL_NOW - timedelta(minutes=5),
    ]
    assert "Refunds policy" in context.knowledge


def test_an_id_used_twice_is_refused(tmp_path: Path) -> None:
    _write(tmp_path, "a.yaml", TWO_MESSAGES)
    _write(tmp_path, "b.yml", TWO_MESSAGES)

    with pytest.raises(ScenarioError, match="scenario id 'two-in-a-row' is used twice"):
        load_scenarios(tmp_path)


def test_an_unknown_expectation_names_the_file_and_the_scenario(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.yaml", TWO_MESSAGES.replace("expect: {}", "expect: {tool: x}"))

    with pytest.raises(
        ScenarioError, match=f"^{path}: scenario 1: expect.tool: Extra inputs are not permitted$"
    ):
        load_scenarios(path)


def test_an_empty_directory_has_no_scenarios(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no scenarios found"):
        load_scenarios(tmp_path)


def test_a_scenario_needs_a_customer_or_a_sender(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "x.yaml",
        TWO_MESSAGES.replace("  customer: {id: usr_1, email: one@example.com}\n", ""),
    )

    with pytest.raises(ScenarioError, match="a scenario without a customer needs a sender"):
        load_scenarios(path)
