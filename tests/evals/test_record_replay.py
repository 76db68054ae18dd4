"""`eval --record` keeps the real SDK's responses by request; `--replay` needs neither key nor
network, and a request that changed since recording fails its scenario with the reason."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from console.cli import main
from tests.agent import scripts
from tests.agent.anthropic_stand_in import StandInAPI, anthropic_stand_in
from workflows.evals.recording import (
    RecordedTurn,
    Recording,
    ReplayClient,
    ReplayMismatch,
    request_key,
    request_parts,
)

SCENARIO = """\
- id: refund-recent
  category: refunds
  customer: {id: usr_maya, email: maya@example.com, name: Maya Lind}
  purchases:
    - {id: pur_maya_pro, product: Pro licence (1 year), amount_cents: 1900, days_ago: 3}
  messages:
    - text: I bought Pro three days ago but I don't need it. Could I get a refund?
  expect:
    lookups: [lookup_user, list_purchases]
    actions:
      - tool: refund_purchase
        params: {purchase_id: pur_maya_pro, amount_cents: 1900}
        verdict: auto
    must_contain: ["$19.00 for Pro licence (1 year) has been issued"]
    must_not_contain: ["pur_maya_pro"]
"""

RESPONSES = [
    scripts.message(
        scripts.tool("toolu_01A", "lookup_user", email="maya@example.com"),
        turn=1,
        input_tokens=1500,
        cache_write=1200,
    ),
    scripts.message(
        scripts.tool("toolu_01B", "list_purchases", user_id="usr_maya"), turn=2, cache_read=1200
    ),
    scripts.message(
        scripts.tool(
            "toolu_01C",
            "refund_purchase",
            purchase_id="pur_maya_pro",
            amount_cents=1900,
            reason="Bought three days ago, not needed",
        ),
        turn=3,
    ),
    scripts.final(
        "Hi Maya,\n\nThanks for letting us know.\n\nBest regards,\nThe support team",
        "Maya bought Pro three days ago; proposed a full refund.",
        turn=4,
    ),
]


@pytest.fixture
def stand_in() -> Any:
    with anthropic_stand_in() as api:
        yield api


@pytest.fixture
def scenario(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "set" / "refunds.yaml"
    path.parent.mkdir()
    path.write_text(SCENARIO)
    return path


def _eval(*args: str, out: Path) -> tuple[int, dict[str, Any]]:
    code = main(["eval", *args, "--json", str(out)])
    return code, json.loads(out.read_text())


def _record(scenario: Path, stand_in: StandInAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stand_in.url)
    stand_in.play(*RESPONSES)
    assert main(["eval", str(scenario.parent), "--record"]) == 0
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    monkeypatch.delenv("ANTHROPIC_BASE_URL")


def test_replay_scores_the_recorded_responses_without_a_key(
    scenario: Path, stand_in: StandInAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _record(scenario, stand_in, monkeypatch)
    recorded = json.loads((scenario.parent / "recordings" / "scorecard.json").read_text())

    code, replayed = _eval(str(scenario.parent), "--replay", out=tmp_path / "replay.json")

    assert len(stand_in.requests) == 4  # the replay asked the stand-in nothing
    assert code == 0
    assert replayed["passed"] == recorded["passed"] == 1
    assert replayed["models"] == [scripts.MODEL]
    assert replayed["usage"] == recorded["usage"]
    assert replayed["usage"]["cache_read_input_tokens"] == 1200
    assert replayed["cost_usd"] == recorded["cost_usd"] > 0


def test_replay_of_a_changed_conversation_fails_and_says_what_changed(
    scenario: Path,
    stand_in: StandInAPI,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _record(scenario, stand_in, monkeypatch)
    scenario.write_text(SCENARIO.replace("three days ago", "two days ago"))

    code, replayed = _eval(str(scenario.parent), "--replay", out=tmp_path / "replay.json")

    assert code == 1
    error = replayed["results"][0]["error"]
    assert error == (
        "request 1 is not in the recording: the messages changed since it was recorded; "
        "re-record with --record"
    )
    assert "1 scenario(s) did not run" in capsys.readouterr().err


def test_replay_with_another_model_fails_and_names_both(
    scenario: Path, stand_in: StandInAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _record(scenario, stand_in, monkeypatch)

    code, replayed = _eval(
        str(scenario.parent), "--replay", "--model", "claude-haiku-4-5", out=tmp_path / "r.json"
    )

    assert code == 1
    assert "model (claude-sonnet-4-6 → claude-haiku-4-5) changed" in replayed["results"][0]["error"]


def test_replay_without_a_recording_says_how_to_make_one(scenario: Path, tmp_path: Path) -> None:
    code, replayed = _eval(str(scenario), "--replay", out=tmp_path / "r.json")

    assert code == 1
    assert "record it with `support-agent eval --record`" in replayed["results"][0]["error"]


def test_without_a_key_the_offline_model_answers_and_the_scorecard_is_printed(
    scenario: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()

    assert main(["eval", str(scenario)]) == 0

    shown = capsys.readouterr().out
    assert shown.startswith("1 scenarios, live, model offline\n")
    assert "refunds     1/1    100%" in shown
    assert "cost     $0.0000 (estimated from list prices)" in shown
    assert not (scenario.parent / "recordings").exists()


async def test_a_miss_names_every_part_that_changed() -> None:
    request: dict[str, Any] = {
        "model": "claude-sonnet-4-6",
        "max_tokens": 2048,
        "system": [{"type": "text", "text": "Be brief."}],
        "tools": [],
        "messages": [{"role": "user", "content": "Hello"}],
    }
    parts = request_parts(request)
    recording = Recording(
        scenario="s",
        model="claude-sonnet-4-6",
        turns=[RecordedTurn(key=request_key(parts), parts=parts, response=RESPONSES[-1])],
    )
    changed = {
        **request,
        "system": [{"type": "text", "text": "Be kind."}],
        "messages": [{"role": "user", "content": "Hi"}],
        "tool_choice": {"type": "auto"},
    }

    answer = await ReplayClient(recording).messages.create(**request)
    with pytest.raises(ReplayMismatch) as miss:
        await ReplayClient(recording).messages.create(**changed)

    assert answer.model == scripts.MODEL
    assert str(miss.value) == (
        "request 1 is not in the recording: the messages, the system prompt and tool_choice "
        "changed since it was recorded; re-record with --record"
    )


def test_a_reply_that_breaks_a_draft_check_is_rewritten_once_and_scored_after(
    scenario: Path, stand_in: StandInAPI, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    scenario.write_text(SCENARIO + "    draft_checks: []\n")
    leaky = scripts.final(
        "Hi Maya,\n\nAs an AI, I have looked at your account.\n\nBest regards,\nThe support team",
        "Proposed a full refund.",
        turn=4,
    )
    clean = scripts.final(
        "Hi Maya,\n\nThanks for letting us know.\n\nBest regards,\nThe support team",
        "Rewrote without talking about myself.",
        turn=5,
    )
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", stand_in.url)
    stand_in.play(*RESPONSES[:3], leaky, clean)

    code, card = _eval(str(scenario.parent), out=tmp_path / "live.json")

    assert code == 0
    assert len(stand_in.requests) == 5
    assert "meta commentary: As an AI" in json.dumps(stand_in.requests[4]["messages"][-1])
    assert card["results"][0]["passed"] is True
