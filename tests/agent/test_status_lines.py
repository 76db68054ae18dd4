"""Each status line is one plain sentence naming what the customer asked for, in every state."""

from __future__ import annotations

import re
from typing import Any

import pytest

from agent.actions import ProposedAction
from agent.drafts import NEUTRAL_OPENING, ActionOutcome, Status, compose_draft, status_line
from agent.offline import OFFLINE_BANNER
from agent.pricing import TokenUsage
from agent.result import AgentResult
from tests.agent.factories import conversation

CONTEXT = conversation("help")
STATUSES: list[Status] = ["executed", "pending", "rejected", "expired", "refused"]
# Each tool, its params, and the words every one of its lines must contain.
TOOLS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "refund_purchase": (
        {"purchase_id": "pur_new", "amount_cents": 4900, "reason": "asked"},
        ["refund", "for Pro plan", "49.00 USD"],
    ),
    "transfer_license": (
        {"purchase_id": "pur_old", "to_email": "bo@example.com"},
        ["licence", "for Team plan", "to bo@example.com"],
    ),
    "send_magic_link": ({"email": "ann@example.com"}, ["login link"]),
    "update_email": (
        {"user_id": "usr_ann", "new_email": "ann@new.example"},
        ["email", "to ann@new.example"],
    ),
    "reset_password": ({"user_id": "usr_ann"}, ["request"]),
}


def action(tool: str, params: dict[str, Any]) -> ProposedAction:
    return ProposedAction(tool=tool, params=params, tool_use_id="t1")


def says(text: str, phrase: str) -> bool:
    """`phrase` as words of `text`, in the case written."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def is_one_sentence(line: str) -> bool:
    """Capitalised like a sentence (not shouted), one line, ending in a full stop."""
    return re.fullmatch(r"(A|[A-Z][a-z]+)\b[^\n]*[.]", line) is not None and line != line.upper()


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("tool", list(TOOLS))
def test_every_status_line_is_a_sentence_naming_the_request(tool: str, status: Status) -> None:
    params, words = TOOLS[tool]

    line = status_line(action(tool, params), ActionOutcome(status=status), context=CONTEXT)

    assert is_one_sentence(line), line
    for word in words:
        assert says(line, word), (word, line)


def test_each_state_reads_differently() -> None:
    params, _ = TOOLS["refund_purchase"]
    lines = {
        status: status_line(
            action("refund_purchase", params), ActionOutcome(status=status), context=CONTEXT
        )
        for status in STATUSES
    }

    assert len(set(lines.values())) == len(STATUSES)
    assert says(lines["executed"], "has been issued")
    assert says(lines["pending"], "reviewing")
    assert says(lines["rejected"], "not able to go ahead")
    assert says(lines["expired"], "not finished reviewing")
    assert says(lines["refused"], "follow up about")


def test_without_the_purchase_the_line_names_no_product_or_sum() -> None:
    refund = action("refund_purchase", {"purchase_id": "pur_x", "amount_cents": 4900})

    pending = status_line(refund, ActionOutcome(status="pending"))
    done = status_line(refund, ActionOutcome(status="executed"))

    assert says(pending, "your refund request")
    assert "(" not in pending
    assert says(done, "Your refund of the amount has been issued")


def test_a_sum_that_is_not_whole_cents_is_not_shown() -> None:
    refund = action("refund_purchase", {"purchase_id": "pur_new", "amount_cents": "49.5"})

    done = status_line(refund, ActionOutcome(status="executed"), context=CONTEXT)

    assert says(done, "Your refund of the amount for Pro plan has been issued")


@pytest.mark.parametrize("status", ["executed", "pending", "rejected", "expired"])
def test_an_escalation_promises_a_personal_follow_up(status: Status) -> None:
    escalate = action("escalate_to_human", {"reason": "angry"})

    line = status_line(escalate, ActionOutcome(status=status))

    assert is_one_sentence(line)
    assert says(line, "A colleague will follow up with you personally")


def result(draft: str, *actions: ProposedAction) -> AgentResult:
    return AgentResult(
        draft=draft,
        reasoning="",
        proposed_actions=list(actions),
        tool_calls=[],
        usage=TokenUsage(),
        cost_usd=0.0,
        model="claude-sonnet-4-6",
        turns=1,
        outcome="completed",
    )


def test_the_offline_banner_keeps_the_whole_reply_after_it() -> None:
    body = f"{OFFLINE_BANNER}\n\n  First paragraph.\n\nSecond paragraph.  \n"

    draft = compose_draft(result(body), {})

    assert draft == f"{OFFLINE_BANNER}\n\nFirst paragraph.\n\nSecond paragraph."


def test_an_empty_reply_with_an_action_opens_neutrally_before_its_status() -> None:
    refund = action("refund_purchase", TOOLS["refund_purchase"][0])

    draft = compose_draft(result("  ", refund), {}, context=CONTEXT)

    opening, line = draft.split("\n\n")
    assert opening == NEUTRAL_OPENING
    assert says(line, "reviewing your refund request for Pro plan (49.00 USD)")
