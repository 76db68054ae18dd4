"""The soak's figures: what happened to each action, and how quickly."""

from __future__ import annotations

import json
import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
OUTPUT = REPO_ROOT / "test-output" / "e2e" / "soak.json"


@dataclass(frozen=True)
class Outcome:
    """One soak action: the plan, what the desk did, and when."""

    customer: str
    action_id: str
    decision: str  # approve | reject | edit | none
    decided_at: float | None  # when the deciding request was sent
    deadline_earliest: float
    deadline_latest: float
    card_shown_after: float  # seconds from the request for approval to its card
    status: str
    executed_at: float | None  # when the product first received the refund
    expired_shown_at: float | None  # when the card first said it expired


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 3)
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return round(cuts[int(share * 100) - 1], 3)


def figures(outcomes: list[Outcome], *, seed: int, seconds: float) -> dict[str, object]:
    latencies = [
        o.executed_at - o.decided_at
        for o in outcomes
        if o.executed_at is not None and o.decided_at is not None
    ]
    # The deadline is known to lie in [earliest, latest]: lateness lies between these two.
    lateness_at_least = [
        o.expired_shown_at - o.deadline_latest for o in outcomes if o.expired_shown_at is not None
    ]
    lateness_at_most = [
        o.expired_shown_at - o.deadline_earliest for o in outcomes if o.expired_shown_at is not None
    ]
    card_latencies = [o.card_shown_after for o in outcomes]
    return {
        "seed": seed,
        "actions": len(outcomes),
        "seconds": round(seconds, 1),
        "decisions": dict(Counter(o.decision for o in outcomes)),
        "terminal_states": dict(Counter(o.status for o in outcomes)),
        "approval_request_to_card_seconds": {
            "p50": _percentile(card_latencies, 0.50),
            "max": round(max(card_latencies), 3) if card_latencies else None,
        },
        "decision_to_execution_seconds": {
            "p50": _percentile(latencies, 0.50),
            "p95": _percentile(latencies, 0.95),
            "max": round(max(latencies), 3) if latencies else None,
        },
        "expiry_lateness_max_seconds": {
            "at_least": round(max(lateness_at_least), 3) if lateness_at_least else None,
            "at_most": round(max(lateness_at_most), 3) if lateness_at_most else None,
        },
    }


def save(report: dict[str, object]) -> Path:
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(report, indent=2) + "\n")
    return OUTPUT
