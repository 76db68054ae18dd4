"""Each expectation of a scenario becomes one named check that passes, fails with why, or skips."""

from __future__ import annotations

from typing import Any

from agent.pricing import TokenUsage
from agent.result import AgentResult
from agent.triage import Triage
from workflows.evals.checks import Check, score
from workflows.evals.runs import RoutedProposal, RunOutcome
from workflows.evals.scenarios import Expectations

REFUND_AUTO = RoutedProposal(
    tool="refund_purchase",
    params={"purchase_id": "pur_sync", "amount_cents": 900, "reason": "asked"},
    verdict="auto",
    reason="small, recent refund",
    status="executed",
)
ESCALATION = RoutedProposal(
    tool="escalate_to_human",
    params={"reason": "upset"},
    verdict="auto",
    reason="escalation only tags and comments",
    status="executed",
)


def _outcome(*actions: RoutedProposal, draft: str = "Hi,\n\nDone.") -> RunOutcome:
    result = AgentResult(
        draft=draft,
        reasoning="",
        proposed_actions=[],
        tool_calls=[],
        usage=TokenUsage(),
        cost_usd=0.0,
        model="offline",
        turns=3,
        outcome="completed",
    )
    return RunOutcome(
        triage=Triage(kind="support", reason="no sign of automated, outreach or legal mail"),
        lookups=["read_conversation", "lookup_user"],
        actions=list(actions),
        draft=draft,
        draft_violations=["unknown_price"],
        result=result,
        latency_s=0.01,
    )


def _score(outcome: RunOutcome, **expect: Any) -> dict[str, Check]:
    return {c.name: c for c in score(Expectations.model_validate(expect), outcome)}


def test_an_action_matches_on_the_params_given_and_its_verdict() -> None:
    expected = {"tool": "refund_purchase", "params": {"purchase_id": "pur_sync"}, "verdict": "auto"}

    assert _score(_outcome(REFUND_AUTO), actions=[expected])["actions"].status == "pass"


def test_a_wrong_verdict_is_missing_and_unexpected_at_once() -> None:
    expected = {"tool": "refund_purchase", "verdict": "needs_approval"}

    check = _score(_outcome(REFUND_AUTO), actions=[expected])["actions"]

    assert check.status == "fail"
    assert check.detail == (
        "missing refund_purchase() → needs_approval; unexpected refund_purchase(amount_cents=900, "
        "purchase_id='pur_sync', reason='asked') → auto"
    )


def test_other_actions_fail_unless_allowed() -> None:
    outcome = _outcome(ESCALATION, REFUND_AUTO)
    expected = [{"tool": "escalate_to_human"}]

    assert _score(outcome, actions=expected)["actions"].status == "fail"
    assert _score(outcome, actions=expected, other_actions="allow")["actions"].status == "pass"


def test_a_forbidden_proposal_fails_and_is_named() -> None:
    check = _score(_outcome(ESCALATION, REFUND_AUTO), never=[{"tool": "refund_purchase"}])["never"]

    assert check.status == "fail"
    assert check.detail.startswith("proposed refund_purchase(amount_cents=900")


def test_text_checks_ignore_case_and_take_alternatives() -> None:
    outcome = _outcome(draft="Which purchase would you like us to refund?")

    checks = _score(
        outcome,
        must_contain=[["welche", "WHICH"], "refund"],
        must_not_contain=["pur_", "REFUND?"],
    )

    assert checks["must_contain"].status == "pass"
    assert checks["must_not_contain"] == Check(
        name="must_not_contain", status="fail", detail="contains ['REFUND?']"
    )


def test_missing_lookups_are_named() -> None:
    check = _score(_outcome(), lookups=["lookup_user", "list_purchases"])["lookups"]

    assert check == Check(name="lookups", status="fail", detail="missing list_purchases")


def test_the_class_and_the_draft_checks_are_compared_whole() -> None:
    checks = _score(_outcome(), **{"class": "legal", "draft_checks": []})

    assert checks["class"] == Check(
        name="class", status="fail", detail="expected legal, got support"
    )
    assert checks["draft_checks"] == Check(
        name="draft_checks", status="fail", detail="expected [], got ['unknown_price']"
    )
