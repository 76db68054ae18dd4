"""Completion claims in the model's reply, judged against what really happened to each action.

A sentence that speaks of something as done ("was moved … all set!", "you should see the refund")
is only true when every action it may be about was executed as proposed. Which actions a sentence
may be about comes from what it names (a refund, a licence, an address, the action's own values)
and from the verb it uses; a sentence that names nothing may be about any of them. Words that make
a sentence conditional, future or negative ("once approved", "will be", "has not been") keep it
from claiming anything. The check errs towards finding a claim: a false alarm only costs the
model's wording, a missed one tells a customer something that did not happen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from agent.actions import ProposedAction


class JudgedAction(BaseModel):
    """One proposal, whether it ran exactly as proposed, and the values a sentence may name."""

    model_config = ConfigDict(frozen=True)

    action: ProposedAction
    executed_as_proposed: bool
    # Amounts as the customer reads them ("$249.00"), addresses, product names.
    values: tuple[str, ...] = ()


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


# What a sentence names when it speaks of each kind of action.
_TOPICS: dict[str, re.Pattern[str]] = {
    "refund_purchase": _words(r"refunds?", r"money", r"reimburse\w*", r"credit\w*", r"charges?"),
    "transfer_license": _words(r"licen[cs]es?", r"transfer\w*", r"seats?", r"owner\w*"),
    "update_email": _words(r"e-?mail(?: address)?", r"address"),
    "send_magic_link": _words(r"(?:login|sign-?in|magic) link", r"links?", r"log ?in", r"sign ?in"),
    "escalate_to_human": _words(r"colleague", r"teammate", r"specialist"),
}
# Verbs that say an action of one kind happened.
_DONE_BY_TOOL: dict[str, re.Pattern[str]] = {
    "refund_purchase": _words(
        r"refunded",
        r"reimbursed",
        r"credited",
        r"reversed",
        r"issued",
        r"paid back",
        r"initiated",
        r"back (?:in|on|to) your (?:account|card|bank)",
        r"(?:get|receive|have) (?:your|the|a) (?:money|refund)",
    ),
    "transfer_license": _words(
        r"transferred",
        r"moved",
        r"reassigned",
        r"now (?:belongs|owns|has|holds|registered|assigned)",
        r"(?:is|are) now (?:the )?(?:owner|registered|assigned)",
    ),
    "update_email": _words(r"changed", r"updated", r"switched", r"now uses", r"now set to"),
    "send_magic_link": _words(r"sent", r"e-?mailed", r"reset", r"in your inbox"),
}
# Words that say something happened without naming what.
_DONE_ANY = _words(
    r"done",
    r"completed",
    r"(?:is|are|now) complete",
    r"processed",
    r"finished",
    r"approved",
    r"handled",
    r"sorted(?: out)?",
    r"taken care of",
    r"all (?:set|good|sorted)",
    r"good to go",
    r"gone ahead",
    r"went ahead",
    r"(?:gone|went) through",
    r"on (?:its|the) way",
    r"(?:should|will|'ll|can now) (?:already )?see",
    r"should (?:now |already )?(?:have|receive|arrive|show|appear|be able)",
    r"(?:shows?|appears?) (?:in|on) your",
)
# A claim needs a statement of fact: these make the rest of the sentence hypothetical.
_CONDITIONAL = _words(
    r"once",
    r"if",
    r"as soon as",
    r"before (?:you|we|it|our)",
    r"after (?:it is|it's|approval|review|we|our)",
    r"when (?:it is|it's|approved|we|our)",
    r"until",
    r"unless",
    r"pending",
    r"subject to",
    r"reviewing",
    r"under review",
    r"awaiting",
    r"whether",
)
# Right before a done-word, these make it future, possible or negative: "will be moved".
_HEDGE_BEFORE = re.compile(
    r"(?:\b(?:be|to|not|never|no|cannot|can't|won't|isn't|hasn't|haven't|wasn't|weren't|"
    r"aren't|couldn't|didn't|unable|yet)\b|n't)\W+(?:\w+\W+){0,2}$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_CLAUSE_END = re.compile(r"[;,:]\s+|\s+[-\u2013\u2014]+\s+")


def sentences(text: str) -> list[str]:
    """The text cut into sentences (and lines), blanks dropped."""
    return [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]


def _stated(pattern: re.Pattern[str], sentence: str) -> bool:
    """True when the pattern occurs as a statement, not after 'be', 'not', 'won't' and the like."""
    return any(
        not _HEDGE_BEFORE.search(sentence[: match.start()]) for match in pattern.finditer(sentence)
    )


def _statements(sentence: str) -> list[str]:
    """The clauses stating facts: not a conditional one, nor one a leading 'Once …,' governs."""
    facts: list[str] = []
    governed = False
    for clause in _CLAUSE_END.split(sentence):
        condition = _CONDITIONAL.search(clause)
        if governed or condition is not None:
            governed = condition is not None and condition.start() == 0
            continue
        facts.append(clause)
    return facts


def _done_tools(sentence: str) -> tuple[set[str], bool]:
    """The kinds of action the sentence says were done, and whether it says so without a kind."""
    if sentence.rstrip().endswith("?"):
        return set(), False  # a question asks; it states nothing
    facts = _statements(sentence)
    kinds = {tool for tool, done in _DONE_BY_TOOL.items() if any(_stated(done, f) for f in facts)}
    return kinds, any(_stated(_DONE_ANY, f) for f in facts)


def claims_completion(text: str) -> bool:
    """True when the text says, as a fact, that something was done."""
    for sentence in sentences(text):
        kinds, anything = _done_tools(sentence)
        if kinds or anything:
            return True
    return False


def _names(sentence: str, judged: JudgedAction) -> bool:
    topic = _TOPICS.get(judged.action.tool)
    if topic is not None and topic.search(sentence):
        return True
    lowered = sentence.lower()
    return any(value.lower() in lowered for value in judged.values if value)


def _about(sentence: str, kinds: set[str], actions: Sequence[JudgedAction]) -> list[JudgedAction]:
    named = [j for j in actions if j.action.tool in kinds or _names(sentence, j)]
    return named if named or kinds else list(actions)


def false_claims(text: str, actions: Iterable[JudgedAction]) -> list[str]:
    """The sentences that say something was done which no action executed as proposed backs."""
    judged = list(actions)
    found: list[str] = []
    for sentence in sentences(text):
        kinds, anything = _done_tools(sentence)
        if not kinds and not anything:
            continue
        about = _about(sentence, kinds, judged)
        if not about or not all(j.executed_as_proposed for j in about):
            found.append(sentence)
    return found


def named_values(params: dict[str, Any]) -> tuple[str, ...]:
    """The addresses an action's params name, as a sentence would quote them."""
    return tuple(str(v) for k, v in sorted(params.items()) if "email" in k and isinstance(v, str))
