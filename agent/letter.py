"""A reply's shape as a letter: greeting, body, sign-off, so status lines land inside it.

A draft's status paragraphs belong between what the model wrote and its sign-off; appended after
"Best regards, Ann" they would read as a postscript. A false claim replaces only the body, so the
greeting and sign-off survive it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Hi Ann," or "Dear Ms Lee,": a salutation and at most three words of name, nothing more.
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening))(?:\s+[^\s,.!:;]+){0,3}[,.!:]?$",
    re.I,
)
_SIGN_OFF = re.compile(
    r"^(?:(?:best|kind|warm|many)?\s*(?:regards|wishes)|best|thanks(?: again)?|thank you|cheers|"
    r"sincerely|yours(?: sincerely| truly)?|all the best|talk soon)[,.!]?$",
    re.I,
)
# A sign-off is its line and at most a name and a team or company under it.
_SIGN_OFF_LINES = 3


@dataclass(frozen=True)
class Letter:
    greeting: str
    body: str
    sign_off: str

    def with_body(self, body: str) -> Letter:
        return Letter(self.greeting, body, self.sign_off)

    def render(self, *inserted: str) -> str:
        """The letter with paragraphs added after its body, before its sign-off."""
        parts = [self.greeting, self.body, *inserted, self.sign_off]
        return "\n\n".join(part for part in parts if part)


def read_letter(text: str) -> Letter:
    """Split a reply into greeting, body and sign-off paragraphs (each may be empty)."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    greeting = sign_off = ""
    # A reply that is only a greeting (or a sign-off) is all body: there is no letter around it.
    if len(paragraphs) > 1 and "\n" not in paragraphs[0] and _GREETING.match(paragraphs[0]):
        greeting = paragraphs.pop(0)
    if len(paragraphs) > 1:
        last = paragraphs[-1].splitlines()
        if len(last) <= _SIGN_OFF_LINES and _SIGN_OFF.match(last[0].strip()):
            sign_off = paragraphs.pop()
    return Letter(greeting, "\n\n".join(paragraphs), sign_off)
