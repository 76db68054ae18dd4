"""Tool schemas offered to the model: read-only look-ups, and mutating tools it may only propose."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from anthropic.types import ToolParam

READ_ONLY_TOOLS = frozenset(
    {"lookup_user", "list_purchases", "read_conversation", "search_knowledge"}
)

_STRING = {"type": "string"}
_EMAIL = {"type": "string", "description": "An email address."}


def _schema(properties: dict[str, object], *required: str) -> dict[str, object]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
    }


_READ_ONLY: list[ToolParam] = [
    {
        "name": "lookup_user",
        "description": "Find the account of the customer in this conversation by their email.",
        "input_schema": _schema({"email": _EMAIL}, "email"),
    },
    {
        "name": "list_purchases",
        "description": "List the purchases of the customer's account (id, product, price, status).",
        "input_schema": _schema({"user_id": _STRING}, "user_id"),
    },
    {
        "name": "read_conversation",
        "description": "Read every message of this conversation, oldest first.",
        "input_schema": _schema({}),
    },
    {
        "name": "search_knowledge",
        "description": "Search the product's help articles; returns the best matching sections.",
        "input_schema": _schema({"query": _STRING}, "query"),
    },
]

_PROPOSE = " Proposes the action for review; it is not carried out by calling this tool."

_MUTATING: list[ToolParam] = [
    {
        "name": "refund_purchase",
        "description": "Refund part or all of one of the customer's purchases." + _PROPOSE,
        "input_schema": _schema(
            {
                "purchase_id": _STRING,
                "amount_cents": {"type": "integer", "description": "Amount in the smallest unit."},
                "reason": _STRING,
            },
            "purchase_id",
            "amount_cents",
            "reason",
        ),
    },
    {
        "name": "transfer_license",
        "description": "Move the licence of one purchase to another email address." + _PROPOSE,
        "input_schema": _schema(
            {"purchase_id": _STRING, "to_email": _EMAIL}, "purchase_id", "to_email"
        ),
    },
    {
        "name": "send_magic_link",
        "description": "Email a one-time login link to the account's address." + _PROPOSE,
        "input_schema": _schema({"email": _EMAIL}, "email"),
    },
    {
        "name": "update_email",
        "description": "Change the email address of the customer's account." + _PROPOSE,
        "input_schema": _schema({"user_id": _STRING, "new_email": _EMAIL}, "user_id", "new_email"),
    },
    {
        "name": "escalate_to_human",
        "description": "Ask a teammate to take over this conversation, with the reason." + _PROPOSE,
        "input_schema": _schema({"reason": _STRING}, "reason"),
    },
]


def tool_definitions() -> list[ToolParam]:
    """Every tool, with the prompt-cache breakpoint on the last one so the list is cached."""
    tools = [tool.copy() for tool in [*_READ_ONLY, *_MUTATING]]
    tools[-1]["cache_control"] = {"type": "ephemeral"}
    return tools
