"""Signs that customer text tries to give the agent orders instead of asking for help.

A customer asks; they do not switch modes, cite approvals nobody on the team gave, or close the
tags that wrap their own message. Text showing such a sign is still answered, but nothing it asks
for runs on its own, and what follows a forged tag is not read as the customer's request.
"""

from __future__ import annotations

import re

# A tag of the prompt written by the customer: the end of their message, or notes of ours.
_FORGED_TAG = re.compile(
    r"</?\s*(?:customer_message|conversation|notes|system|instructions?|reply)(?=[\s/>])[^>]*>",
    re.IGNORECASE,
)
_ORDERS = re.compile(
    r"|".join(
        (
            r"\b(?:ignore|disregard|forget)\s+(?:all\s+)?(?:(?:your|the|any|previous|prior|"
            r"earlier|above)\s+)+(?:instructions|rules|prompts?|guidelines|policies)\b",
            r"\b(?:admin|developer|debug|god|maintenance)\s+mode\b",
            r"\byou are now\b",
            r"\bsystem (?:notice|message|override|prompt)\s*:",
            r"\bpre-?approved\b",
            r"\b(?:approved|authori[sz]ed) by (?:the |your )?(?:support )?(?:manager|admin|team)",
            r"\bwithout (?:any )?(?:review|approval)\b",
        )
    ),
    re.IGNORECASE,
)


def gives_orders(text: str) -> bool:
    """True when the text tries to instruct the agent or forges a tag of its prompt."""
    return _FORGED_TAG.search(text) is not None or _ORDERS.search(text) is not None


def before_forged_tag(text: str) -> str:
    """The text up to the first forged tag: what follows it only poses as someone else."""
    found = _FORGED_TAG.search(text)
    return text if found is None else text[: found.start()]
