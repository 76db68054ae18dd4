"""Scenarios from the learning loop: a conversation whose sent reply a person rewrote heavily.

Each becomes a scenario with the customer, purchases and messages the agent saw, at the moment
it ran. What a good reply must say is for a person to write: the agent's draft and the reply that
was sent are put above the scenario as comments, and `expect` holds only the triage class.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import yaml

from agent.context import ConversationContext
from workflows.evals.scenarios import Scenario
from workflows.store.sent import EditedDraft

CATEGORY = "from_sent"


def scenario_from_sent(edited: EditedDraft) -> Scenario | None:
    """The scenario of one edited reply; None when its run kept no context to rebuild it from."""
    run = edited.run
    if run is None or not run.context:
        return None
    context = ConversationContext.model_validate(run.context)
    now = run.created_at if run.created_at.tzinfo else run.created_at.replace(tzinfo=UTC)
    sent = edited.sent
    who = sent.sent_by or "a teammate"
    fields: dict[str, Any] = {
        "id": "sent-" + re.sub(r"[^a-z0-9-]+", "-", sent.conversation_id.lower()).strip("-"),
        "category": CATEGORY,
        "description": f"Sent after a {sent.edit_ratio:.0%} rewrite by {who}: "
        "write what a good reply must and must not say.",
        "now": now,
        "sender": context.sender_email,
        "subject": context.subject,
        "customer": context.customer,
        "purchases": [
            {
                "id": p.id,
                "product": p.product,
                "amount_cents": p.amount_cents,
                "currency": p.currency,
                "days_ago": round((now - p.purchased_at).total_seconds() / 86400, 2),
                "status": p.status,
                "refunded_cents": p.refunded_cents,
            }
            for p in context.purchases
        ],
        "messages": [
            {
                "text": m.text,
                "author": m.author,
                "minutes_ago": round((now - m.sent_at).total_seconds() / 60, 1),
            }
            for m in context.messages
        ],
        "expect": {"class": run.triage_kind} if run.triage_kind else {},
    }
    return Scenario.model_validate(fields)


def scenarios_yaml(edited: list[EditedDraft], *, written_at: datetime) -> tuple[str, int]:
    """A scenario file (a YAML list) of the edited replies, and how many it holds."""
    parts = [
        f"# Scenarios from replies people rewrote before sending, taken {written_at:%Y-%m-%d}.\n"
        "# Each needs its expectations written before it measures anything.\n"
    ]
    count = 0
    for item in edited:
        scenario = scenario_from_sent(item)
        if scenario is None:
            continue
        count += 1
        body = scenario.model_dump(mode="json", by_alias=True, exclude_defaults=True)
        body["expect"] = scenario.expect.model_dump(mode="json", by_alias=True, exclude_none=True)
        body["expect"] = {k: v for k, v in body["expect"].items() if v not in ([], "forbid")}
        parts.append(
            "\n"
            + _comment("The agent's draft", item.sent.agent_text)
            + _comment("What was sent", item.sent.sent_text)
            + yaml.safe_dump([body], allow_unicode=True, sort_keys=False, width=100)
        )
    return "".join(parts), count


def _comment(title: str, text: str) -> str:
    lines = [f"# {title}:"] + [f"#   {line}".rstrip() for line in text.splitlines()]
    return "\n".join(lines) + "\n"
