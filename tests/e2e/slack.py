"""The Slack stand-in, noting when each version of each message was written."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from dataclasses import dataclass

from aiohttp import web

from tests.integrations.slack_stand_in import Message, SlackStandIn

_ADDRESS = re.compile(r"[\w.+-]+@example\.com")


@dataclass(frozen=True)
class Card:
    """An approval card as first posted: where it is, the action it decides, when it came."""

    action_id: str
    channel: str
    ts: str
    posted_at: float


class TimedSlack(SlackStandIn):
    """`version_times[(channel, ts)][i]` is when version `i` of that message was written."""

    def __init__(self) -> None:
        super().__init__()
        self.version_times: dict[tuple[str, str], list[float]] = defaultdict(list)
        self.cards: dict[str, Card] = {}  # by the customer's address

    async def _handle(self, request: web.Request) -> web.Response:
        before = {place: len(message.history) for place, message in self.messages.items()}
        response = await super()._handle(request)
        now = time.time()
        for place, message in self.messages.items():
            new = len(message.history) - before.get(place, 0)
            self.version_times[place].extend([now] * new)
            if place not in before and message.thread_ts is None:
                self._index(place, message, now)
        return response

    def _index(self, place: tuple[str, str], message: Message, posted_at: float) -> None:
        action_id = _button_value(message.blocks)
        if action_id is not None:
            for customer in set(_ADDRESS.findall(json.dumps(message.blocks))):
                self.cards[customer] = Card(action_id, place[0], place[1], posted_at)

    def card_for(self, customer_email: str, *, since: float = 0.0) -> Card | None:
        """The approval card that names this customer, once posted (at or after `since`).

        One Slack plays every desk of a run, and each desk's tests write as the same customers:
        a desk asks only for cards posted since it opened.
        """
        card = self.cards.get(customer_email)
        return card if card is not None and card.posted_at >= since else None

    def shown(self, card: Card) -> str:
        """The card as Slack shows it now, fallback text and blocks, as one string."""
        return _text(self.messages[(card.channel, card.ts)])

    def buttons(self, card: Card) -> list[str]:
        blocks = self.messages[(card.channel, card.ts)].blocks
        return [
            element["action_id"]
            for block in blocks
            if block["type"] == "actions"
            for element in block["elements"]
        ]

    def first_shown_at(self, card: Card, words: str) -> float | None:
        """When a version of the card saying `words` was first written."""
        message = self.messages[(card.channel, card.ts)]
        times = self.version_times[(card.channel, card.ts)]
        for version, at in zip(message.history, times, strict=True):
            if words in version["text"] + json.dumps(version["blocks"], ensure_ascii=False):
                return at
        return None


def _button_value(blocks: list[dict[str, object]]) -> str | None:
    for block in blocks:
        elements = block.get("elements")
        if block.get("type") == "actions" and isinstance(elements, list):
            for element in elements:
                if element.get("action_id") == "approve":
                    return str(element["value"])
    return None


def _text(message: Message) -> str:
    return message.text + json.dumps(message.blocks, ensure_ascii=False)
