"""Tool schemas match the actions the policy knows; cost estimates follow the price table."""

from __future__ import annotations

import pytest

from agent.actions import MUTATING_TOOLS
from agent.pricing import TokenUsage, estimate_cost_usd, price_for
from agent.tools import READ_ONLY_TOOLS, tool_definitions


def test_every_tool_is_either_read_only_or_a_known_action() -> None:
    names = [t["name"] for t in tool_definitions()]
    assert len(names) == len(set(names))
    assert set(names) == READ_ONLY_TOOLS | MUTATING_TOOLS
    assert not READ_ONLY_TOOLS & MUTATING_TOOLS


def test_only_the_last_tool_carries_the_cache_breakpoint() -> None:
    tools = tool_definitions()
    assert [("cache_control" in t) for t in tools] == [False] * (len(tools) - 1) + [True]


def test_each_call_gets_its_own_copy_of_the_tools() -> None:
    tool_definitions()[0]["cache_control"] = {"type": "ephemeral"}
    assert "cache_control" not in tool_definitions()[0]


def test_cost_counts_cache_writes_and_reads_at_their_rates() -> None:
    usage = TokenUsage(
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        cache_creation_input_tokens=1_000_000,
        cache_read_input_tokens=1_000_000,
    )
    assert estimate_cost_usd("claude-sonnet-4-6", usage) == pytest.approx(3 + 15 + 3.75 + 0.3)


def test_dated_ids_use_their_alias_and_unknown_models_have_no_estimate() -> None:
    assert price_for("claude-haiku-4-5-20251001") == price_for("claude-haiku-4-5")
    assert estimate_cost_usd("some-new-model", TokenUsage(input_tokens=10)) is None


def test_usage_adds_up() -> None:
    total = TokenUsage(input_tokens=1, cache_read_input_tokens=2) + TokenUsage(output_tokens=3)
    assert total == TokenUsage(input_tokens=1, output_tokens=3, cache_read_input_tokens=2)
