"""The read-only tools, answered from the gathered context alone: no network, always the same."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from agent.context import ConversationContext

_MAX_SECTIONS = 3
_WORD = re.compile(r"[a-z0-9]{3,}")


@dataclass(frozen=True, slots=True)
class LookupResult:
    """A tool's answer as sent back to the model; `is_error` marks a refusal or bad input."""

    content: str
    is_error: bool = False


def _json(value: object) -> LookupResult:
    return LookupResult(json.dumps(value, sort_keys=True, ensure_ascii=False))


def run_lookup(
    name: str, arguments: Mapping[str, object], context: ConversationContext
) -> LookupResult:
    """Answer one read-only tool call; unknown names and bad arguments come back as errors."""
    if name == "lookup_user":
        return _lookup_user(arguments.get("email"), context)
    if name == "list_purchases":
        return _list_purchases(arguments.get("user_id"), context)
    if name == "read_conversation":
        return _json({"messages": [m.model_dump(mode="json") for m in context.messages]})
    if name == "search_knowledge":
        query = arguments.get("query")
        if not isinstance(query, str) or not query.strip():
            return LookupResult("search_knowledge needs a non-empty query", is_error=True)
        return _json({"sections": search_knowledge(context.knowledge, query)})
    return LookupResult(f"{name} is not a read-only tool", is_error=True)


def _lookup_user(email: object, context: ConversationContext) -> LookupResult:
    if not isinstance(email, str):
        return LookupResult("lookup_user needs an email", is_error=True)
    customer = context.customer
    known = {context.sender_email.lower()} | ({customer.email.lower()} if customer else set())
    # Only the people in this conversation may be looked up, so a customer cannot ask for others.
    if email.strip().lower() not in known:
        return LookupResult(
            "only the customer in this conversation can be looked up", is_error=True
        )
    return _json({"user": customer.model_dump(mode="json") if customer else None})


def _list_purchases(user_id: object, context: ConversationContext) -> LookupResult:
    if context.customer is None or user_id != context.customer.id:
        return LookupResult(
            "purchases can only be listed for this customer's account", is_error=True
        )
    return _json({"purchases": [p.model_dump(mode="json") for p in context.purchases]})


def _sections(markdown: str) -> list[str]:
    sections: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("#") or not sections:
            sections.append(line)
        else:
            sections[-1] += "\n" + line
    return [s.strip() for s in sections if s.strip()]


def search_knowledge(markdown: str, query: str) -> list[str]:
    """The markdown sections sharing the most words with the query, best first (ties keep order)."""
    terms = set(_WORD.findall(query.lower()))
    scored = [
        (len(terms & set(_WORD.findall(section.lower()))), index, section)
        for index, section in enumerate(_sections(markdown))
    ]
    ranked = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))
    return [section for _, _, section in ranked[:_MAX_SECTIONS]]
