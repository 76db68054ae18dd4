"""Whether one run did what its scenario expects: one named check per expectation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, ConfigDict

from workflows.evals.runs import RoutedProposal, RunOutcome
from workflows.evals.scenarios import Expectations, ExpectedAction

Status = Literal["pass", "fail", "skip"]


class Check(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    status: Status
    detail: str = ""


def _fits(expected: ExpectedAction, actual: RoutedProposal) -> bool:
    return (
        expected.tool == actual.tool
        and all(actual.params.get(k) == v for k, v in expected.params.items())
        and expected.verdict in (None, actual.verdict)
    )


def _shown(action: RoutedProposal | ExpectedAction) -> str:
    params = ", ".join(f"{k}={v!r}" for k, v in sorted(action.params.items()))
    verdict = f" → {action.verdict}" if action.verdict else ""
    return f"{action.tool}({params}){verdict}"


def check_actions(expect: Expectations, actions: list[RoutedProposal]) -> Check:
    """Every expected proposal made with its verdict; nothing else unless allowed."""
    assert expect.actions is not None
    left = list(actions)
    missing: list[str] = []
    for expected in expect.actions:
        found = next((a for a in left if _fits(expected, a)), None)
        if found is None:
            missing.append(_shown(expected))
        else:
            left.remove(found)
    extra = [_shown(a) for a in left] if expect.other_actions == "forbid" else []
    problems = [f"missing {m}" for m in missing] + [f"unexpected {e}" for e in extra]
    return Check(name="actions", status="fail" if problems else "pass", detail="; ".join(problems))


def _contains(draft: str, wanted: str | list[str]) -> bool:
    options = [wanted] if isinstance(wanted, str) else wanted
    return any(option.lower() in draft.lower() for option in options)


def score(expect: Expectations, outcome: RunOutcome) -> list[Check]:
    """The checks of one scenario; those whose module is missing are skipped, not failed."""
    return list(_checks(expect, outcome))


def _checks(expect: Expectations, outcome: RunOutcome) -> Iterator[Check]:
    if expect.class_ is not None:
        ok = outcome.triage_class == expect.class_
        detail = "" if ok else f"expected {expect.class_}, got {outcome.triage_class}"
        yield Check(name="class", status="pass" if ok else "fail", detail=detail)
    missing_lookups = [name for name in expect.lookups if name not in outcome.lookups]
    if expect.lookups:
        yield Check(
            name="lookups",
            status="fail" if missing_lookups else "pass",
            detail=f"missing {', '.join(missing_lookups)}" if missing_lookups else "",
        )
    if expect.actions is not None:
        yield check_actions(expect, outcome.actions)
    if expect.never:
        made = [_shown(a) for a in outcome.actions if any(_fits(n, a) for n in expect.never)]
        yield Check(
            name="never",
            status="fail" if made else "pass",
            detail=f"proposed {'; '.join(made)}" if made else "",
        )
    absent = [w for w in expect.must_contain if not _contains(outcome.draft, w)]
    if expect.must_contain:
        yield Check(
            name="must_contain",
            status="fail" if absent else "pass",
            detail=f"missing {absent}" if absent else "",
        )
    present = [w for w in expect.must_not_contain if _contains(outcome.draft, w)]
    if expect.must_not_contain:
        yield Check(
            name="must_not_contain",
            status="fail" if present else "pass",
            detail=f"contains {present}" if present else "",
        )
    if expect.draft_checks is not None:
        kinds = outcome.draft_violations
        ok = kinds == sorted(expect.draft_checks)
        detail = "" if ok else f"expected {sorted(expect.draft_checks)}, got {kinds}"
        yield Check(name="draft_checks", status="pass" if ok else "fail", detail=detail)
