"""The approval card: every state, buttons only while pending, nothing unescaped."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integrations.action_views import CREATED, make_view
from workflows.integrations.slack_blocks import (
    approval_fallback_text,
    build_approval_blocks,
    build_reminder_text,
    escape_text,
)

HOSTILE = "<!channel> ping <@U1> see <https://evil.example|Click> &amp; more"
# What the hostile text must look like once escaped: no mention, no link, `&amp;` kept as text.
ESCAPED = "&lt;!channel&gt; ping &lt;@U1&gt; see &lt;https://evil.example|Click&gt; &amp;amp; more"


def card_text(blocks: list[dict[str, Any]]) -> str:
    """Every piece of text on the card, in order."""
    texts = []
    for block in blocks:
        if "text" in block:
            texts.append(block["text"]["text"])
        texts.extend(e["text"] for e in block.get("elements", []) if isinstance(e.get("text"), str))
        texts.extend(e["text"]["text"] for e in block.get("elements", []) if "value" in e)
    return "\n".join(texts)


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_a_pending_refund_shows_who_asked_what_why_and_the_time_left() -> None:
    view = make_view()

    blocks = build_approval_blocks(view, now=CREATED + timedelta(minutes=1))

    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Demo: Refund"}}
    text = card_text(blocks)
    assert "katherine@example.com" in text
    assert "I would like a refund for my team licence please." in text
    assert "*amount*: $249.00" in text
    assert "pur_1" in text
    assert "The customer bought the same licence twice." in text
    assert "refunds above 20.00 need approval" in text
    assert "expires in 23 h 59 min" in text
    assert "<https://app.frontapp.com/open/cnv_1|Open in Front>" in text
    assert "<http://127.0.0.1:8000/console/actions/act_123|Open in the console>" in text


def test_pending_cards_have_approve_reject_and_edit_carrying_the_action_id() -> None:
    found = buttons(build_approval_blocks(make_view(), now=CREATED))

    assert [(b["action_id"], b.get("style"), b["value"]) for b in found] == [
        ("approve", "primary", "act_123"),
        ("reject", "danger", "act_123"),
        ("edit", None, "act_123"),
    ]


def test_edit_is_offered_only_for_tools_whose_params_can_be_edited() -> None:
    view = make_view(tool="escalate_to_human", params={"reason": "angry"})

    found = buttons(build_approval_blocks(view, now=CREATED))

    assert [b["action_id"] for b in found] == ["approve", "reject"]


def test_money_reads_as_in_drafts_in_the_purchase_currency() -> None:
    in_euros = make_view(currency="EUR", params={"purchase_id": "p", "amount_cents": 1999})
    carried = make_view(params={"purchase_id": "p", "amount_cents": 1999, "currency": "gbp"})

    assert "*amount*: €19.99" in card_text(build_approval_blocks(in_euros, now=CREATED))
    assert "Refund of €19.99 for" in approval_fallback_text(in_euros)
    assert "*amount*: £19.99" in card_text(build_approval_blocks(carried, now=CREATED))


@pytest.mark.parametrize(
    ("overrides", "line"),
    [
        (
            {"status": "executed", "decided_by": "Ann", "result": {"refund_id": "re_42"}},
            "Approved by Ann — refund re_42 done",
        ),
        ({"status": "approved", "decided_by": "Ann"}, "Approved by Ann"),
        (
            {"status": "rejected", "decided_by": "Bob", "decision_reason": "Not our policy"},
            "Rejected by Bob: Not our policy",
        ),
        ({"status": "expired"}, "Expired after 24h — nothing was done"),
        ({"status": "failed", "error": "app answered 500"}, "Failed: app answered 500"),
    ],
)
def test_a_decided_card_has_no_buttons_and_says_what_happened(
    overrides: dict[str, Any], line: str
) -> None:
    blocks = build_approval_blocks(make_view(**overrides), now=CREATED + timedelta(hours=30))

    assert buttons(blocks) == []
    text = card_text(blocks)
    assert line in text
    assert "expires in" not in text


def test_expiry_reports_the_real_timeout() -> None:
    view = make_view(status="expired", expires_at=CREATED + timedelta(minutes=90))

    assert "Expired after 1 h 30 min" in card_text(build_approval_blocks(view, now=CREATED))


def test_a_pending_card_past_its_expiry_does_not_claim_time_left() -> None:
    text = card_text(build_approval_blocks(make_view(), now=CREATED + timedelta(hours=25)))

    assert "expiry due now" in text
    assert "expires in" not in text


def test_without_front_the_card_links_only_to_the_console() -> None:
    text = card_text(build_approval_blocks(make_view(front_url=None), now=CREATED))

    assert "Open in Front" not in text
    assert "Open in the console" in text


def test_escape_text_makes_mentions_and_links_inert() -> None:
    assert escape_text(HOSTILE) == ESCAPED


@pytest.mark.parametrize(
    "overrides",
    [
        {"request_line": HOSTILE},
        {"rationale": HOSTILE},
        {"policy_reason": HOSTILE},
        {"customer_email": HOSTILE},
        {"params": {"purchase_id": "p", "amount_cents": 100, "reason": HOSTILE}},
        {"tool": "transfer_license", "params": {"purchase_id": "p", "to_email": HOSTILE}},
        {"status": "rejected", "decided_by": "Bob", "decision_reason": HOSTILE},
        {"status": "approved", "decided_by": HOSTILE},
        {"status": "failed", "error": HOSTILE},
    ],
)
def test_text_from_customers_people_and_the_model_is_escaped_everywhere(
    overrides: dict[str, Any],
) -> None:
    view = make_view(**overrides)
    blocks = build_approval_blocks(view, now=CREATED)
    texts = [
        card_text(blocks),
        approval_fallback_text(view),
        build_reminder_text(view, now=CREATED),
    ]

    assert ESCAPED in texts[0]
    for text in texts:
        assert "<!channel>" not in text
        assert "<@U1>" not in text
        assert "<https://evil.example" not in text


def test_long_text_is_cut_without_breaking_an_entity() -> None:
    view = make_view(rationale="<" * 5000)

    [reasoning] = [b for b in build_approval_blocks(view, now=CREATED) if "reasoning" in str(b)]

    text = reasoning["text"]["text"]
    assert len(text) <= 3000
    assert text.endswith("&lt;…")


def test_the_fallback_text_and_reminder_follow_the_status() -> None:
    pending = make_view()
    rejected = make_view(status="rejected", decided_by="Bob", decision_reason="no")
    now = CREATED + timedelta(hours=22)

    assert approval_fallback_text(pending) == (
        "Approval needed: Refund of $249.00 for katherine@example.com (Demo)"
    )
    assert approval_fallback_text(rejected).endswith("Rejected by Bob: no")
    assert build_reminder_text(pending, now=now) == (
        "⏰ Still waiting for a decision: Refund of $249.00 for katherine@example.com"
        " — expires in 2h."
    )
    assert "Rejected by Bob" in build_reminder_text(rejected, now=now)
