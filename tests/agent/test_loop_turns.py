"""The turn unit: resumable from serialised state, bounded, honest about unfinished runs."""

from __future__ import annotations

import anthropic

from agent.loop import finish, next_turn, run_agent, start
from agent.result import AgentState
from tests.agent import scripts
from tests.agent.anthropic_stand_in import StandInAPI
from tests.agent.factories import conversation


async def test_turns_resumed_from_json_give_the_same_result_as_one_run(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    context = conversation("Can I get a refund for Pro?")
    messages_api.play(*scripts.REFUND, *scripts.REFUND)
    whole = await run_agent(context=context, model_client=sdk_client, model=scripts.MODEL)

    state = start(context)
    while state.finished is None:
        # What a durable step would memoise between calls: the state as JSON.
        state = AgentState.model_validate_json(state.model_dump_json())
        state = await next_turn(
            state, context=context, model_client=sdk_client, model=scripts.MODEL
        )

    assert finish(state, model=scripts.MODEL) == whole
    assert messages_api.requests[:4] == messages_api.requests[4:]


async def test_run_stops_at_max_turns_and_hands_over_to_a_human(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    looping = [
        scripts.message(scripts.tool(f"toolu_L{i}", "read_conversation"), turn=i) for i in range(5)
    ]
    messages_api.play(*looping)

    result = await run_agent(context=conversation("hi"), model_client=sdk_client, max_turns=3)

    assert len(messages_api.requests) == 3
    assert (result.outcome, result.turns, result.draft) == ("max_turns", 3, "")
    assert [a.tool for a in result.proposed_actions] == ["escalate_to_human"]


async def test_truncated_reply_is_not_used_as_a_draft(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    messages_api.play(
        scripts.message(scripts.text("<reply>Hi Ann, your ref"), stop_reason="max_tokens")
    )

    result = await run_agent(context=conversation("refund?"), model_client=sdk_client)

    assert result.outcome == "truncated"
    assert result.draft == ""
    assert [a.tool for a in result.proposed_actions] == ["escalate_to_human"]


async def test_unknown_and_malformed_tool_calls_are_answered_as_errors(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    messages_api.play(
        scripts.message(
            scripts.tool("toolu_X1", "execute_refund", purchase_id="pur_new"),
            scripts.tool("toolu_X2", "refund_purchase", purchase_id="pur_new", amount_cents="all"),
            scripts.tool("toolu_X3", "send_magic_link", email="ann@example.com"),
            scripts.tool("toolu_X4", "send_magic_link", email="ann@example.com"),
        ),
        scripts.final("Hi Ann.", "Tried a few things.", turn=2),
    )

    result = await run_agent(context=conversation("help"), model_client=sdk_client)

    answers = {b["tool_use_id"]: b for b in messages_api.requests[1]["messages"][-1]["content"]}
    assert answers["toolu_X1"]["is_error"]
    assert "Unknown tool" in answers["toolu_X1"]["content"]
    assert answers["toolu_X2"]["is_error"]
    assert "amount_cents" in answers["toolu_X2"]["content"]
    assert not answers["toolu_X3"]["is_error"]
    assert "already recorded" in answers["toolu_X4"]["content"]
    assert [a.tool_use_id for a in result.proposed_actions] == ["toolu_X3"]
    assert [c.kind for c in result.tool_calls] == ["rejected", "rejected", "proposal", "proposal"]


async def test_reply_without_tags_is_still_a_draft(
    messages_api: StandInAPI, sdk_client: anthropic.AsyncAnthropic
) -> None:
    messages_api.play(scripts.message(scripts.text("Hi Ann, the docs are at /help.")))

    result = await run_agent(context=conversation("docs?"), model_client=sdk_client)

    assert result.draft == "Hi Ann, the docs are at /help."
    assert result.proposed_actions == []
    assert result.reasoning.startswith("Looked up: nothing")
