"""The comment at the end of an approval reads in money and names, and shows an approver's edit."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agent.describe import describe_action, describe_edits
from workflows.approvals.view import ActionView
from workflows.steps.outcome import outcome_sentence
from workflows.steps.proposals import Proposal

AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
REFUND = {"purchase_id": "pur_1", "amount_cents": 24900, "reason": "asked"}


def view(status: str, params: dict[str, Any], **extra: Any) -> ActionView:
    return ActionView(
        action_id="act_1",
        app_id="demo",
        app_name="Demo",
        conversation_id="cnv_1",
        customer_email="ann@example.com",
        request_line="",
        tool=extra.pop("tool", "refund_purchase"),
        params=params,
        rationale="",
        policy_reason="",
        status=status,
        created_at=AT,
        expires_at=None,
        decided_by="Lee",
        decided_at=AT,
        console_url="http://127.0.0.1/console/actions/act_1",
        **extra,
    )


def test_an_edited_refund_reads_as_what_ran_and_what_was_changed() -> None:
    proposal = Proposal(params=REFUND, currency="USD", product="Pro licence")
    done = view("executed", {**REFUND, "amount_cents": 10000}, result={"refund_id": "re_1"})

    sentence = outcome_sentence(done, proposal)

    assert sentence == (
        "Refund of $100.00 for Pro licence: approved by Lee at 2026-12-01 09:30 UTC "
        "(edited before approval: $249.00 → $100.00 by Lee) and done. Reference: re_1."
    )


def test_an_unedited_approval_mentions_no_edit() -> None:
    proposal = Proposal(params=REFUND, currency="EUR", product="Pro licence")

    sentence = outcome_sentence(view("executed", REFUND), proposal)

    assert "edited" not in sentence
    assert sentence.startswith("Refund of €249.00 for Pro licence: approved by Lee")


def test_an_edited_transfer_shows_both_addresses() -> None:
    before = {"purchase_id": "pur_1", "to_email": "bo@example.com"}
    after = {**before, "to_email": "cy@example.com"}

    assert describe_edits(before, after, currency="USD", by="Lee") == (
        "bo@example.com → cy@example.com by Lee"
    )
    assert describe_action("transfer_license", after, product="Team licence") == (
        "Transfer of Team licence to cy@example.com"
    )


def test_a_login_links_address_is_named_but_its_url_never_shown() -> None:
    link = view(
        "executed",
        {"email": "ann@example.com"},
        tool="send_magic_link",
        result={"url": "https://demo.invalid/login/secret-token"},
    )

    sentence = outcome_sentence(link)

    assert sentence.startswith("Login link to ann@example.com: approved by Lee")
    assert "secret-token" not in sentence
