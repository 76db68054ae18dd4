"""Realistic Messages API responses for the scripted scenarios, shaped like the real API's JSON."""

from __future__ import annotations

from typing import Any

MODEL = "claude-sonnet-4-6"


def message(
    *blocks: dict[str, Any],
    stop_reason: str | None = None,
    turn: int = 1,
    input_tokens: int = 900,
    output_tokens: int = 120,
    cache_read: int = 0,
    cache_write: int = 0,
) -> dict[str, Any]:
    """An assistant message; stop_reason defaults to tool_use when any block is a tool call."""
    uses_tools = any(b["type"] == "tool_use" for b in blocks)
    return {
        "id": f"msg_01Scripted{turn:04d}",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": list(blocks),
        "stop_reason": stop_reason or ("tool_use" if uses_tools else "end_turn"),
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read,
        },
    }


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def tool(tool_id: str, name: str, **params: Any) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": params}


def final(reply: str, notes: str, *, turn: int) -> dict[str, Any]:
    return message(text(f"<reply>{reply}</reply>\n<notes>{notes}</notes>"), turn=turn)


REFUND = [
    message(
        text("Let me look up the customer's account first."),
        tool("toolu_01A", "lookup_user", email="ann@example.com"),
        turn=1,
        cache_write=2400,
    ),
    message(tool("toolu_01B", "list_purchases", user_id="usr_ann"), turn=2, cache_read=2400),
    message(
        text("The Pro plan was bought two days ago, within the refund window."),
        tool(
            "toolu_01C",
            "refund_purchase",
            purchase_id="pur_new",
            amount_cents=4900,
            reason="Asked for a refund two days after buying",
        ),
        turn=3,
        cache_read=2400,
    ),
    final(
        "Hi Ann, thanks for writing. I understand the Pro plan was not what you needed.",
        "Ann bought Pro two days ago and asked for her money back; proposed a full refund.",
        turn=4,
    ),
]

LOST_ACCESS = [
    message(tool("toolu_02A", "lookup_user", email="ann@example.com"), turn=1),
    message(tool("toolu_02B", "send_magic_link", email="ann@example.com"), turn=2),
    final(
        "Hi Ann, sorry you are locked out.",
        "Account found; proposed a login link to the address on file.",
        turn=3,
    ),
]

TRANSFER = [
    message(
        tool("toolu_03A", "lookup_user", email="ann@example.com"),
        tool("toolu_03B", "list_purchases", user_id="usr_ann"),
        turn=1,
    ),
    message(
        tool("toolu_03C", "transfer_license", purchase_id="pur_old", to_email="bo@example.com"),
        turn=2,
    ),
    final(
        "Hi Ann, happy to help move the Team plan licence to Bo.",
        "Ann owns pur_old (Team plan); proposed moving it to bo@example.com.",
        turn=3,
    ),
]

OFF_TOPIC = [
    message(tool("toolu_04A", "search_knowledge", query="weather forecast"), turn=1),
    final(
        "Hi Ann, I can only help with questions about your account and our product.",
        "Off-topic question about the weather; nothing in the knowledge base; no action.",
        turn=2,
    ),
]

ANGRY = [
    message(tool("toolu_05A", "lookup_user", email="ann@example.com"), turn=1),
    message(
        text("The customer is very upset; a person should answer."),
        tool("toolu_05B", "escalate_to_human", reason="Customer is angry about repeated failures"),
        turn=2,
    ),
    final(
        "Hi Ann, I am sorry for the trouble. I have asked a colleague to look at this with you.",
        "Angry customer; escalated without proposing anything else.",
        turn=3,
    ),
]

NON_ENGLISH = [
    message(
        tool("toolu_06A", "lookup_user", email="ann@example.com"),
        tool("toolu_06B", "list_purchases", user_id="usr_ann"),
        turn=1,
    ),
    message(
        tool(
            "toolu_06C",
            "refund_purchase",
            purchase_id="pur_new",
            amount_cents=4900,
            reason="Kunde möchte eine Rückerstattung",
        ),
        turn=2,
    ),
    final(
        "Hallo Ann, danke für Ihre Nachricht zum Pro-Tarif.",
        "German request for a refund of the Pro plan; proposed a full refund.",
        turn=3,
    ),
]
