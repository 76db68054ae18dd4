"""What the approval workflow needs from a chat tool that shows approval cards (Slack)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from workflows.approvals.view import ActionView


class ApprovalCards(Protocol):
    """Posts an action's card and keeps it in step with the action's status."""

    async def post_card(self, channel: str, view: ActionView, *, now: datetime) -> str:
        """Post the card; returns the message's id (Slack's `ts`)."""
        ...

    async def update_card(self, channel: str, ts: str, view: ActionView, *, now: datetime) -> None:
        """Redraw a posted card for the action's current status."""
        ...

    async def post_reminder(self, channel: str, ts: str, text: str) -> None:
        """Reply in the card's thread."""
        ...

    async def post_message(self, channel: str, text: str, blocks: list[dict[str, Any]]) -> str:
        """Post a message of our own (an alert); returns its id."""
        ...
