"""Rewriting a reply after a teammate rejected one of the agent's proposals."""

from __future__ import annotations

import json
from html import escape
from typing import Any

# Marks the turn that tells the model about a decision; the offline model looks for it too.
DECISION_PREFIX = "[review decision]"


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
