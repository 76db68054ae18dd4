"""The offline model drives the very same loop, deterministically, and labels what it writes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from agent.client import make_model_client
from agent.context import ConversationContext
from agent.loop import next_turn, run_agent
from agent.offline import OFFLINE_LABEL, OFFLINE_MODEL, OfflineModel
from agent.prompts import render_conversation
from agent.redraft import rejection_notice
from agent.result import AgentResult, AgentState
from tests.agent.factories import ANN, conversation, purchase

TWO_PURCHASES = [
    purchase("pur_old", amount_cents=9900, age=timedelta(days=60), product="Team plan"),
    purchase("pur_new"),
]

SCENARIOS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "refund request",
        "Hi, I would like a refund for my last purchase please.",
        "refund_purchase",
        {
            "purchase_id": "pur_new",
            "amount_cents": 4900,
            "reason": "The customer asked for their money back.",
        },
    ),
    (
        "money back for a named product",
        "Can I have my money back for the Pro plan? It does not do what I need.",
        "refund_purchase",
        {
            "purchase_id": "pur_new",
            "amount_cents": 4900,
            "reason": "The customer asked for their money back.",
        },
    ),
    (
        "lost access",
        "I can\u2019t log in to my account since yesterday.",
        "send_magic_link",
        {"email": "ann@example.com"},
    ),
    (
        "licence transfer",
        "Please transfer my Pro plan licence to bo@example.com, he is taking over.",
        "transfer_license",
        {"purchase_id": "pur_new", "to_email": "bo@example.com"},
    ),
    (
        "angry customer",
        "This is RIDICULOUS. NOTHING WORKS and NOBODY answers!!!",
        "escalate_to_human",
        {"reason": "The customer sounds upset; a person should answer."},
    ),
    (
        "off-topic",
        "What do you think about the football match last night?",
        "escalate_to_human",
        {"reason": "The offline model did not recognise the request."},
    ),
    (
        "non-English",
        "Hola, quiero un reembolso de mi compra, por favor.",
        "escalate_to_human",
        {"reason": "The message is not in English; the offline model cannot answer it."},
    ),
]


@pytest.mark.parametrize(
    ("case", "text", "tool", "params"), SCENARIOS, ids=[s[0] for s in SCENARIOS]
)
async def test_offline_scenario_end_to_end(
    case: str, text: str, tool: str, params: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    context = conversation(text, purchases=TWO_PURCHASES)
    caplog.set_level("INFO", logger="agent.offline")

    result = await run_agent(
        context=context, model_client=OfflineModel(), model="claude-sonnet-4-6"
    )

    assert [(a.tool, a.params) for a in result.proposed_actions] == [(tool, params)]
    assert result.outcome == "completed"
    assert result.draft.splitlines()[0] == "Hi Ann,"
    assert OFFLINE_LABEL not in result.draft  # the banner is for teammates only
    assert result.reasoning.startswith(OFFLINE_LABEL)
    assert result.model == OFFLINE_MODEL
    assert result.cost_usd == 0.0
    assert any(OFFLINE_LABEL in r.getMessage() for r in caplog.records)
    assert {"read_conversation", "lookup_user"} <= {c.name for c in result.tool_calls}


@pytest.mark.parametrize("text", [s[1] for s in SCENARIOS])
async def test_offline_runs_are_identical(text: str) -> None:
    context = conversation(text, purchases=TWO_PURCHASES)
    first = await run_agent(context=context, model_client=OfflineModel())
    second = await run_agent(context=context, model_client=OfflineModel())
    assert first == second


async def test_offline_escalates_when_no_account_matches_the_sender() -> None:
    context = conversation("refund please", customer=None, purchases=[], sender_email="x@y.test")

    result = await run_agent(context=context, model_client=OfflineModel())

    assert [a.tool for a in result.proposed_actions] == ["escalate_to_human"]
    assert "list_purchases" not in {c.name for c in result.tool_calls}


async def test_offline_refunds_what_is_left_of_the_latest_open_purchase() -> None:
    purchases = [
        purchase("pur_a", amount_cents=10000, refunded_cents=2500),
        purchase("pur_b", status="refunded", refunded_cents=4900),
    ]
    context = conversation("I want a refund", customer=ANN, purchases=purchases)

    result = await run_agent(context=context, model_client=OfflineModel())

    assert result.proposed_actions[0].params["purchase_id"] == "pur_a"
    assert result.proposed_actions[0].params["amount_cents"] == 7500


def test_without_an_api_key_the_offline_model_is_chosen() -> None:
    assert isinstance(make_model_client(api_key=None), OfflineModel)
    assert isinstance(make_model_client(api_key=""), OfflineModel)


async def test_offline_reads_every_message_since_the_last_reply() -> None:
    # The request is in the first of two quick emails; the second only adds a detail.
    context = conversation(
        "Hi, I would like a refund for my last purchase please.",
        "Sorry, forgot to say: the order was last week.",
        purchases=TWO_PURCHASES,
    )

    result = await run_agent(context=context, model_client=OfflineModel())

    assert [a.tool for a in result.proposed_actions] == ["refund_purchase"]


async def test_after_a_rejection_the_offline_model_rewrites_without_the_action() -> None:
    context = conversation("Hi, I would like a refund for my last purchase please.")
    first = await run_agent(context=context, model_client=OfflineModel())
    refund = first.proposed_actions[0]
    notice = rejection_notice(refund.tool, refund.params, "Outside the <b>window</b>")
    state = AgentState(
        transcript=[*_transcript_of(context, first), {"role": "user", "content": notice}]
    )

    state = await next_turn(state, context=context, model_client=OfflineModel(), model="m")

    assert state.finished == "completed"
    assert state.proposed_actions == []
    assert "refund" not in state.final_text.lower()
    assert "&lt;b&gt;window&lt;/b&gt;" in notice  # the teammate's words stay data


def _transcript_of(context: ConversationContext, result: AgentResult) -> list[dict[str, Any]]:
    # The offline model reads only the transcript: the fenced conversation and its tool results.
    calls = [c for c in result.tool_calls if c.kind == "lookup"]
    return [
        {"role": "user", "content": render_conversation(context)},
        {
            "role": "assistant",
            "content": [
                {"type": "tool_use", "id": c.tool_use_id, "name": c.name, "input": c.input}
                for c in calls
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": c.tool_use_id,
                    "content": c.result,
                    "is_error": c.is_error,
                }
                for c in calls
            ],
        },
        {"role": "assistant", "content": [{"type": "text", "text": result.draft}]},
    ]


GRACE = [
    purchase(
        "pur_lifetime",
        amount_cents=24900,
        age=timedelta(days=190),
        product="Pro licence (lifetime)",
    ),
    purchase("pur_addon", amount_cents=900, age=timedelta(days=9), product="Sync add-on (1 year)"),
]


@pytest.mark.parametrize(
    ("text", "purchase_id"),
    [
        ("I'd like a refund for my lifetime licence, please.", "pur_lifetime"),
        ("Please refund the $249.00 I paid.", "pur_lifetime"),
        ("Refund the sync add-on please, I never used it.", "pur_addon"),
    ],
)
async def test_offline_refunds_the_purchase_the_customer_names(text: str, purchase_id: str) -> None:
    result = await run_agent(
        context=conversation(text, purchases=GRACE), model_client=OfflineModel()
    )

    [refund] = result.proposed_actions
    assert refund.params["purchase_id"] == purchase_id


async def test_offline_asks_which_purchase_rather_than_guessing() -> None:
    context = conversation("Can I get a refund please?", purchases=GRACE)

    result = await run_agent(context=context, model_client=OfflineModel())

    assert result.proposed_actions == []
    assert "which one would you like us to refund?" in result.draft
    assert "- Pro licence (lifetime), $249.00" in result.draft
    assert "- Sync add-on (1 year), $9.00" in result.draft


async def test_offline_hands_a_one_seat_transfer_to_a_person() -> None:
    team = [purchase("pur_team", amount_cents=49900, product="Team licence (5 seats)")]
    context = conversation("Please move one seat to bo@example.com, she joined us.", purchases=team)

    result = await run_agent(context=context, model_client=OfflineModel())

    [action] = result.proposed_actions
    assert action.tool == "escalate_to_human"
    assert "one seat" in action.params["reason"]


async def test_offline_proposes_an_email_change() -> None:
    context = conversation("Please change my email to ann.lee@newmail.example, thanks.")

    result = await run_agent(context=context, model_client=OfflineModel())

    [action] = result.proposed_actions
    assert (action.tool, action.params) == (
        "update_email",
        {"user_id": "usr_ann", "new_email": "ann.lee@newmail.example"},
    )


async def test_offline_escalation_reply_does_not_repeat_the_follow_up() -> None:
    context = conversation("What do you think about the football match last night?")

    result = await run_agent(context=context, model_client=OfflineModel())

    # The draft's status line for the escalation says a colleague will follow up; once is enough.
    assert result.draft == "Hi Ann,\n\nThank you for writing to us."
