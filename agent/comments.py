"""The comment teammates read beside the draft: what the agent found, proposed, and the outcome."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from agent.actions import ProposedAction
from agent.context import ConversationContext
from agent.describe import VERDICT_WORDS, describe_action
from agent.drafts import ActionOutcome
from agent.policy import PolicyDecision
from agent.result import AgentResult


def _action_line(
    action: ProposedAction,
    decision: PolicyDecision | None,
    outcome: ActionOutcome | None,
    context: ConversationContext | None,
) -> str:
    purchase = context.purchase(str(action.params.get("purchase_id"))) if context else None
    line = "- " + describe_action(
        action.tool,
        action.params,
        currency=purchase.currency if purchase else "USD",
        product=purchase.product if purchase else None,
    )
    if decision is not None:
        verdict = VERDICT_WORDS.get(decision.verdict, decision.verdict)
        line += f" | policy: {verdict} ({decision.reason})"
    if outcome is not None:
        who = f" by {outcome.decided_by}" if outcome.decided_by else ""
        why = f": {outcome.reason}" if outcome.reason else ""
        line += f" | {outcome.status}{who}{why}"
    return line


def compose_comment(
    result: AgentResult,
    *,
    decisions: Sequence[tuple[ProposedAction, PolicyDecision]] = (),
    outcomes: Mapping[str, ActionOutcome] | None = None,
    context: ConversationContext | None = None,
) -> str:
    """Plain text for a teammate comment; decisions and outcomes are matched by tool_use_id.

    With the conversation's context, purchases are named by their product.
    """
    verdicts = {action.tool_use_id: decision for action, decision in decisions}
    known = outcomes or {}
    looked_up = sorted({c.name for c in result.tool_calls if c.kind == "lookup"})
    lines = [
        f"Agent notes: {result.reasoning or '(none)'}",
        f"Looked up: {', '.join(looked_up) or 'nothing'}",
        "Proposed actions:" if result.proposed_actions else "Proposed actions: none",
        *(
            _action_line(a, verdicts.get(a.tool_use_id), known.get(a.tool_use_id), context)
            for a in result.proposed_actions
        ),
        f"Model: {result.model}, {result.turns} turns, {result.outcome}; "
        f"tokens in {result.usage.input_tokens} (cache read {result.usage.cache_read_input_tokens},"
        f" write {result.usage.cache_creation_input_tokens}), out {result.usage.output_tokens}; "
        f"estimated cost {'unknown' if result.cost_usd is None else f'${result.cost_usd:.4f}'}",
    ]
    if result.draft_violations:
        return "\n".join([*_flag_lines(result), *lines])
    if result.redrafted:
        lines.append("Draft checks: the first reply broke a rule; the rewrite passes.")
    return "\n".join(lines)


def _flag_lines(result: AgentResult) -> list[str]:
    """A flag teammates cannot miss, first: the draft still breaks a rule after its rewrite."""
    return [
        f"DRAFT FLAGGED: it still breaks {len(result.draft_violations)} draft check(s) "
        "after one rewrite; read it closely before sending.",
        *(f"- {v.describe()}" for v in result.draft_violations),
    ]
