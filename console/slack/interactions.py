"""The card's buttons: Approve decides at once; Reject and Edit open a modal first.

Each listener acks before anything else. A click that decides nothing (not an approver, expired,
already decided) is answered to the clicker alone, through the interaction's `response_url`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import inngest
from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from console.slack.cards import approver_of, closed_reason, may_approve, refresh_card
from console.slack.submissions import Submissions
from workflows.approvals.decisions import decide
from workflows.approvals.view import ActionView, load_action_view
from workflows.integrations.slack_blocks import APPROVE, EDIT, REJECT
from workflows.integrations.slack_modals import (
    EDIT_SUBMIT,
    REJECT_SUBMIT,
    build_edit_modal,
    build_reject_modal,
)
from workflows.services import Services

logger = logging.getLogger("support_agent.slack")
ModalBuilder = Callable[..., dict[str, Any]]
NOT_AN_APPROVER = "You can't approve or reject this action: you are not one of its approvers."
FAILED = "Your decision could not be recorded, so nothing changed. Try again, or use the console."


def register(app: AsyncApp, services: Services, client: inngest.Inngest) -> None:
    """Add every approval listener to the Bolt app."""
    buttons = Buttons(services, client)
    app.action(APPROVE)(buttons.approve)
    app.action(REJECT)(buttons.reject)
    app.action(EDIT)(buttons.edit)
    submissions = Submissions(services, client)
    app.view(REJECT_SUBMIT)(submissions.reject)
    app.view(EDIT_SUBMIT)(submissions.edit)


async def _tell(respond: AsyncRespond, text: str) -> None:
    """A message only the clicker sees; the card stays as it is."""
    await respond(text=text, response_type="ephemeral", replace_original=False)


def _card_place(body: dict[str, Any]) -> tuple[str | None, str | None]:
    channel = (body.get("channel") or body.get("container") or {}).get("id")
    ts = (body.get("message") or {}).get("ts")
    return channel, ts


class Buttons:
    """Listeners for Approve, Reject and Edit on a card."""

    def __init__(self, services: Services, client: inngest.Inngest) -> None:
        self.services, self.inngest = services, client

    async def approve(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        action_id = str(body["actions"][0]["value"])
        approver = approver_of(body["user"])
        try:
            result = await decide(
                self.services,
                self.inngest,
                action_id=action_id,
                decision="approved",
                approver=approver,
            )
        except Exception:
            logger.exception("approving %s from Slack failed", action_id)
            await _tell(respond, FAILED)
            return
        if result.outcome != "decided":
            await _tell(respond, result.message)
            # Refused on fresh data, the action is closed: the card says so at once.
            if result.outcome != "refused":
                return
        await refresh_card(client, self.services, action_id, *_card_place(body))

    async def reject(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        await self._open_modal(body, client, respond, build_reject_modal)

    async def edit(
        self, ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient, respond: AsyncRespond
    ) -> None:
        await ack()
        await self._open_modal(body, client, respond, build_edit_modal)

    async def _open_modal(
        self,
        body: dict[str, Any],
        client: AsyncWebClient,
        respond: AsyncRespond,
        build: ModalBuilder,
    ) -> None:
        view = await self._open_for(body, respond)
        if view is None:
            return
        channel, ts = _card_place(body)
        try:
            await client.views_open(
                trigger_id=body["trigger_id"], view=build(view, channel=channel, ts=ts)
            )
        except SlackApiError as error:
            # Most often an expired trigger: Slack allows 3 seconds from the click.
            logger.warning("could not open a modal: %s", error.response.get("error"))
            await _tell(respond, "The form could not be opened; click again, or use the console.")

    async def _open_for(self, body: dict[str, Any], respond: AsyncRespond) -> ActionView | None:
        """The action, if the clicker may still decide it; otherwise they are told why not."""
        action_id = str(body["actions"][0]["value"])
        view = await load_action_view(self.services, action_id)
        if view is None:
            await _tell(respond, "There is no such action.")
            return None
        if not await may_approve(self.services, action_id, approver_of(body["user"])):
            await _tell(respond, NOT_AN_APPROVER)
            return None
        reason = closed_reason(view, self.services)
        if reason is not None:
            await _tell(respond, reason)
            return None
        return view
