"""Action views for card and client tests: a pending refund unless told otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from workflows.approvals.view import ActionView

CREATED = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def make_view(**overrides: Any) -> ActionView:
    values: dict[str, Any] = {
        "action_id": "act_123",
        "app_id": "demo",
        "app_name": "Demo",
        "conversation_id": "cnv_1",
        "customer_email": "katherine@example.com",
        "request_line": "I would like a refund for my team licence please.",
        "tool": "refund_purchase",
        "params": {"purchase_id": "pur_1", "amount_cents": 24900, "reason": "bought twice"},
        "rationale": "The customer bought the same licence twice.",
        "policy_reason": "refunds above 20.00 need approval",
        "status": "pending",
        "created_at": CREATED,
        "expires_at": CREATED + timedelta(hours=24),
        "front_url": "https://app.frontapp.com/open/cnv_1",
        "console_url": "http://127.0.0.1:8000/console/actions/act_123",
    }
    return ActionView(**(values | overrides))
