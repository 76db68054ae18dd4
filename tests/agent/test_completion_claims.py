"""Every way a reply can say something was done is caught, and a promise is not mistaken for one."""

from __future__ import annotations

import pytest

from agent.drafts import claims_completion

CLAIMS = [
    "I've refunded your order.",
    "I have refunded your order.",
    "We've already refunded your order.",
    "We have already issued the refund.",
    "I've just sent you a login link.",
    "We have now changed your email.",
    "I have reset your login.",
    "Your refund has been processed.",
    "Both licences have been transferred to Bo.",
    "Your email has been updated.",
    "The refund is done.",
    "Your refunds are now complete.",
    "The transfer is completed.",
]
PROMISES = [
    "We will refund you once a teammate approves it.",
    "I have asked a colleague to look at your refund.",
    "Your refund has not been issued yet.",
    "Is the refund done yet?",
    "We can send a login link if you like.",
]


@pytest.mark.parametrize("text", CLAIMS)
def test_a_reply_saying_it_was_done_claims_completion(text: str) -> None:
    assert claims_completion(text)
    assert claims_completion(text.upper())


@pytest.mark.parametrize("text", PROMISES)
def test_a_reply_promising_or_asking_claims_nothing(text: str) -> None:
    assert not claims_completion(text)
