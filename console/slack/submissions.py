"""The Reject and Edit modals' submissions: validate, decide, then redraw the card.

Unlike the buttons, these ack only once the decision is known: a refusal must come back in the
ack itself (`response_action: errors`) for Slack to show it in the modal.
"""

from __future__ import annotations

import logging
from typing import Any

import inngest
from slack_bolt.async_app import AsyncAck
from slack_sdk.web.async_client import AsyncWebClient

from console.slack.cards import approver_of, refresh_card
from console.slack.inputs import read_edits, read_reason
from workflows.approvals.decisions import Decision, DecisionResult, decide
from workflows.integrations.slack_modals import REASON_BLOCK, ModalMetadata, parse_modal_metadata
from workflows.services import Services

logger = logging.getLogger("support_agent.slack")
NEED_A_REASON = "Say why, so the audit log and the customer's draft can too."
COULD_NOT_DECIDE = "The decision could not be recorded; nothing changed. Try again."


class Submissions:
    """Listeners for `reject_submit` and `edit_submit`."""

    def __init__(self, services: Services, client: inngest.Inngest) -> None:
        self.services, self.inngest = services, client

    async def reject(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        metadata = _metadata(view)
        reason = read_reason(view["state"]["values"])
        if metadata is None or not reason:
            await ack(response_action="errors", errors={REASON_BLOCK: NEED_A_REASON})
            return
        result = await self._decide(body, metadata, "rejected", reason=reason)
        await self._settle(ack, client, metadata, result, REASON_BLOCK)

    async def edit(
        self, ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], client: AsyncWebClient
    ) -> None:
        values = view["state"]["values"]
        first = next(iter(values), REASON_BLOCK)
        metadata = _metadata(view)
        edits, errors = read_edits(values)
        if metadata is None or errors:
            await ack(response_action="errors", errors=errors or {first: COULD_NOT_DECIDE})
            return
        result = await self._decide(body, metadata, "approved", edits=edits or None)
        await self._settle(ack, client, metadata, result, first)

    async def _settle(
        self,
        ack: AsyncAck,
        client: AsyncWebClient,
        metadata: ModalMetadata,
        result: DecisionResult,
        block_id: str,
    ) -> None:
        """Close the modal and redraw the card, or keep it open saying why nothing changed."""
        if result.outcome != "decided":
            # The policy refused an edit, or the action is closed.
            await ack(response_action="errors", errors={block_id: result.message})
            return
        await ack()
        await refresh_card(client, self.services, metadata.action_id, metadata.channel, metadata.ts)

    async def _decide(
        self,
        body: dict[str, Any],
        metadata: ModalMetadata,
        decision: Decision,
        *,
        reason: str = "",
        edits: dict[str, Any] | None = None,
    ) -> DecisionResult:
        try:
            return await decide(
                self.services,
                self.inngest,
                action_id=metadata.action_id,
                decision=decision,
                approver=approver_of(body["user"]),
                reason=reason,
                edits=edits,
            )
        except Exception:
            # An app that cannot re-check an edit, a database that does not answer.
            logger.exception("deciding %s from a Slack modal failed", metadata.action_id)
            return DecisionResult(outcome="invalid", message=COULD_NOT_DECIDE)


def _metadata(view: dict[str, Any]) -> ModalMetadata | None:
    try:
        return parse_modal_metadata(str(view.get("private_metadata") or ""))
    except ValueError:  # pydantic's ValidationError is one too
        return None
