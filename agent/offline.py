"""A deterministic, rule-based stand-in for the model, used when no Anthropic key is configured.

It answers `messages.create` like the real client, so the same loop runs: first it reads the
conversation and looks the customer up through the tools, then it proposes at most one action for
the request it recognises (or asks which purchase is meant), then it writes a reply. Its notes for
teammates, never the reply, say it came from the offline model.
"""

from __future__ import annotations

import html
import json
import logging
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from agent.injection import before_forged_tag
from agent.intents import Intent, classify, transfer_target, withdraws
from agent.offline_replies import plan_for
from agent.redraft import is_check_turn, is_decision_turn
from agent.tools import READ_ONLY_TOOLS
from agent.triage_model import TRIAGE_TOOL, leaning_in

if TYPE_CHECKING:
    from anthropic.types import Message, MessageParam

logger = logging.getLogger(__name__)

OFFLINE_MODEL = "offline"
OFFLINE_LABEL = "[offline model]"
OFFLINE_BANNER = f"{OFFLINE_LABEL} Written by the rule-based stand-in, not a language model."
_REDRAFT = (
    "<reply>Hello,\n\nThank you for your patience while we looked into this.\n\n"
    "Best regards,\nThe support team</reply>\n"
    f"<notes>{OFFLINE_BANNER} Rewrote the reply without the rejected action.</notes>"
)
_CHECKED_REDRAFT = (
    "<reply>Hello,\n\nThanks for your message. A member of our team will look into it and "
    "reply shortly.\n\nBest regards,\nThe support team</reply>\n"
    f"<notes>{OFFLINE_BANNER} Rewrote the reply as a holding reply after the draft checks.</notes>"
)
SIGN_OFF = "Best regards,\nThe support team"
_SENDER = re.compile(r"^Customer email: (.+)$", re.MULTILINE)


def _blocks(message: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    content = message["content"]
    return [] if isinstance(content, str) else list(content)


def _results_by_tool(transcript: list[Mapping[str, Any]]) -> dict[str, Any]:
    """The decoded result of each tool already answered, by tool name (latest wins)."""
    names = {
        b["id"]: b["name"]
        for m in transcript
        if m["role"] == "assistant"
        for b in _blocks(m)
        if b["type"] == "tool_use"
    }
    found: dict[str, Any] = {}
    for message in transcript:
        for block in _blocks(message):
            name = names.get(block.get("tool_use_id", ""))
            # Only look-ups answer in JSON; a proposal's answer is a sentence.
            if block["type"] == "tool_result" and name in READ_ONLY_TOOLS and not block["is_error"]:
                found[name] = json.loads(str(block["content"]))
    return found


def _proposed_already(transcript: list[Mapping[str, Any]]) -> bool:
    return any(
        b["type"] == "tool_use"
        and b["name"] not in {"read_conversation", "lookup_user", "list_purchases"}
        for m in transcript
        if m["role"] == "assistant"
        for b in _blocks(m)
    )


# Our own question which purchase is meant: the answer finishes the request asked before it.
_WHICH_PURCHASE = re.compile(r"\bwhich (?:one|purchase|licen[cs]e)\b", re.IGNORECASE)


def _unanswered_customer_messages(conversation: Mapping[str, Any]) -> list[str]:
    """Every customer message since the last reply, oldest first: two quick emails are one ask.

    A reply that only asked which purchase is meant does not end the ask: the answer names the
    purchase, the messages before it say what to do. What a message says after a forged tag of
    the prompt poses as the team and is left out."""
    unanswered: list[str] = []
    for message in sorted(conversation["messages"], key=lambda m: m["sent_at"]):
        if message["author"] == "customer":
            unanswered.append(before_forged_tag(str(message["text"])))
        elif _WHICH_PURCHASE.search(str(message["text"])) is None:
            unanswered.clear()
    return unanswered


def _message(turn: int, content: list[dict[str, Any]], *, stop_reason: str) -> Message:
    """The SDK's own message type, so the loop reads the offline model's answers like the API's."""
    # Imported on the first answer rather than with the agent: the SDK takes seconds to import.
    from anthropic.types import Message

    return Message.model_validate(
        {
            "id": f"msg_offline_{turn}",
            "type": "message",
            "role": "assistant",
            "model": OFFLINE_MODEL,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": 0, "output_tokens": 0},
        }
    )


def _tool_use(turn: int, index: int, name: str, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "tool_use",
        "id": f"toolu_offline_{turn}_{index}",
        "name": name,
        "input": params,
    }


def respond(transcript: list[Mapping[str, Any]]) -> Message:
    """The offline model's next message for a transcript; the same transcript, the same answer."""
    turn = sum(1 for m in transcript if m["role"] == "assistant") + 1
    if is_decision_turn(transcript[-1]["content"]):
        logger.info("%s rewrote a reply after a rejection", OFFLINE_LABEL)
        return _message(turn, [{"type": "text", "text": _REDRAFT}], stop_reason="end_turn")
    if is_check_turn(transcript[-1]["content"]):
        logger.info("%s rewrote a reply after the draft checks", OFFLINE_LABEL)
        text = _CHECKED_REDRAFT
        return _message(turn, [{"type": "text", "text": text}], stop_reason="end_turn")
    first = transcript[0]["content"]
    match = _SENDER.search(first if isinstance(first, str) else "")
    sender = html.unescape(match.group(1).strip()) if match else ""
    results = _results_by_tool(transcript)
    if "read_conversation" not in results:
        calls = [("read_conversation", {}), ("lookup_user", {"email": sender})]
        return _message(
            turn,
            [_tool_use(turn, i, name, params) for i, (name, params) in enumerate(calls)],
            stop_reason="tool_use",
        )
    user = (results.get("lookup_user") or {}).get("user")
    if user is not None and "list_purchases" not in results:
        params = {"user_id": user["id"]}
        return _message(
            turn, [_tool_use(turn, 0, "list_purchases", params)], stop_reason="tool_use"
        )
    unanswered = _unanswered_customer_messages(results["read_conversation"])
    text = "\n\n".join(unanswered)
    latest = unanswered[-1] if unanswered else ""
    intent: Intent = "resolved" if withdraws(latest) else classify(text, sender_email=sender)
    purchases = (results.get("list_purchases") or {}).get("purchases", [])
    plan = plan_for(
        intent,
        text=text,
        user=user,
        purchases=purchases,
        to_email=transfer_target(text, sender_email=sender),
    )
    if plan.tool is not None and not _proposed_already(transcript):
        note = {"type": "text", "text": f"{OFFLINE_LABEL} Recognised request: {intent}."}
        action = _tool_use(turn, 0, plan.tool, plan.params)
        return _message(turn, [note, action], stop_reason="tool_use")
    logger.info("%s drafted a reply (intent %s, proposed %s)", OFFLINE_LABEL, intent, plan.tool)
    # The banner is for teammates: it goes in the notes, never in text a person might send.
    final = (
        f"<reply>{_greeting(user)}\n\n{plan.reply}\n\n{SIGN_OFF}</reply>\n"
        f"<notes>{OFFLINE_BANNER} {plan.notes}</notes>"
    )
    return _message(turn, [{"type": "text", "text": final}], stop_reason="end_turn")


def _greeting(user: Mapping[str, Any] | None) -> str:
    name = str((user or {}).get("name") or "").split(" ")[0]
    return f"Hi {name}," if name else "Hello,"


def triage_answer(request: str) -> Message:
    """Triage without a model: the rules' leaning, since the offline model has no judgement."""
    kind, reason = leaning_in(request) or ("support", "no leaning given")
    answer = {"kind": kind, "reason": f"{OFFLINE_LABEL} kept the rules' leaning: {reason}"}
    return _message(1, [_tool_use(1, 0, TRIAGE_TOOL, answer)], stop_reason="tool_use")


def _plain(message: Mapping[str, Any]) -> dict[str, Any]:
    """The message with text-only content as one string, as the rules read it (cache
    breakpoints turn a string into a text block)."""
    content = message["content"]
    if isinstance(content, list) and content and all(b["type"] == "text" for b in content):
        return {**message, "content": "".join(str(b["text"]) for b in content)}
    return dict(message)


class _OfflineMessages:
    async def create(self, *, messages: Iterable[MessageParam], **request: Any) -> Message:
        transcript: list[Mapping[str, Any]] = [_plain(m) for m in messages]
        choice = request.get("tool_choice")
        if isinstance(choice, dict) and choice.get("name") == TRIAGE_TOOL:
            return triage_answer(str(transcript[0]["content"]))
        # Rules need neither the prompt nor the tool list: the transcript says everything.
        return respond(transcript)


class OfflineModel:
    """Offers `.messages.create(...)` like `anthropic.AsyncAnthropic`; no network, no key."""

    def __init__(self) -> None:
        self.messages = _OfflineMessages()
