"""Rewriting a reply: after a teammate rejected one of the agent's proposals, or after the draft
checks found rules it broke."""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from agent.draft_checks import Violation

# Marks the turn that tells the model about a decision; the offline model looks for it too.
DECISION_PREFIX = "[review decision]"
CHECK_PREFIX = "[draft check]"


def rejection_notice(tool: str, params: dict[str, Any], reason: str) -> str:
    """The user turn that hands a rejection back to the model, reason fenced as teammate text."""
    proposal = json.dumps({"tool": tool, "params": params}, sort_keys=True, ensure_ascii=False)
    return (
        f"{DECISION_PREFIX} A teammate rejected this proposal: {proposal}.\n"
        f"<teammate_reason>{escape(reason or 'no reason given', quote=False)}</teammate_reason>\n"
        "Rewrite your reply to the customer without this action: do not promise it, and do not "
        "quote the teammate's reason, which is internal. Propose nothing new. Answer with "
        "<reply> and <notes> exactly as before."
    )


def is_decision_turn(content: object) -> bool:
    return isinstance(content, str) and content.startswith(DECISION_PREFIX)


def check_notice(violations: Sequence[Violation]) -> str:
    """The user turn that hands the broken rules back to the model, once."""
    broken = "\n".join(f"- {escape(v.describe(), quote=False)}" for v in violations)
    return (
        f"{CHECK_PREFIX} Your reply breaks these rules for replies to customers:\n{broken}\n"
        "Rewrite it without them: no internal ids, tool names or policy wording, no talk about "
        "yourself, no link, price, date or product that is not in the conversation or the help "
        "articles, no placeholders, and never say an action was done. Propose nothing new. "
        "Answer with <reply> and <notes> exactly as before."
    )


def is_check_turn(content: object) -> bool:
    return isinstance(content, str) and content.startswith(CHECK_PREFIX)
