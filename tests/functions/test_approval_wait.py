"""How long an approval run waits: whole seconds, never before the reminder or the deadline."""

from __future__ import annotations

from datetime import timedelta

from workflows.functions.approval import CARD_RETRY, wait_timeout
from workflows.steps.approval import DecisionState


def _state(left: float, **extra: object) -> DecisionState:
    return DecisionState.model_validate(
        {"status": "pending", "seconds_left": left, "card_posted": True, **extra}
    )


def test_a_fractional_deadline_is_waited_for_in_whole_seconds_rounded_up() -> None:
    assert wait_timeout(_state(60.5)) == timedelta(seconds=61)
    assert wait_timeout(_state(86399.9999997)) == timedelta(seconds=86400)


def test_a_deadline_due_now_still_waits_one_second() -> None:
    assert wait_timeout(_state(0.0)) == timedelta(seconds=1)
    assert wait_timeout(_state(0.2)) == timedelta(seconds=1)


def test_the_wait_ends_at_the_reminder_before_the_deadline() -> None:
    assert wait_timeout(_state(86400.0, seconds_to_reminder=79199.5)) == timedelta(seconds=79200)


def test_a_refused_card_is_tried_again_before_the_reminder_or_deadline() -> None:
    refused = _state(86400.0, card_failed=True)
    assert wait_timeout(refused, retry_card=True) == CARD_RETRY
    assert wait_timeout(refused, retry_card=False) == timedelta(seconds=86400)
