"""What every listener needs: who clicked, may they decide, and redrawing the card."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from workflows.approvals.decisions import Approver, may_decide, slack_approver_ids
from workflows.approvals.view import ActionView, load_action_view
from workflows.integrations.slack_blocks import approval_fallback_text, build_approval_blocks
from workflows.services import Services
from workflows.store.models import Action, App

logger = logging.getLogger("support_agent.slack")


def approver_of(user: dict[str, Any]) -> Approver:
    """The Slack user from an interaction payload, named as Slack names them."""
    user_id = str(user.get("id", ""))
    name = user.get("name") or user.get("username") or user_id
    return Approver(source="slack", id=user_id, name=str(name))


async def may_approve(services: Services, action_id: str, approver: Approver) -> bool:
    """True when the Slack user is one of the action's app approvers or in SLACK_APPROVER_IDS."""
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
        app = await session.get(App, action.app_id) if action is not None else None
    if app is None:
        return False
    allowed = slack_approver_ids(services.settings.slack_approver_ids)
    return may_decide(approver, app, global_slack_approvers=allowed)


def closed_reason(view: ActionView, services: Services) -> str | None:
    """Why nobody can decide this action any more, or None while it is open."""
    if view.status == "pending" and (view.expires_at is None or view.expires_at > services.clock()):
        return None
    if view.status in ("pending", "expired"):
        return "This action expired before anyone decided; nothing was done."
    by = f" by {view.decided_by}" if view.decided_by else ""
    return f"This action was already {view.status}{by}."


async def refresh_card(
    web: AsyncWebClient, services: Services, action_id: str, channel: str | None, ts: str | None
) -> None:
    """Redraw the card from the action's current state; a failure is logged, never raised."""
    view = await load_action_view(services, action_id)
    channel = channel or (view.slack_channel if view else None)
    ts = ts or (view.slack_ts if view else None)
    if view is None or not channel or not ts:
        return
    try:
        await web.chat_update(
            channel=channel,
            ts=ts,
            text=approval_fallback_text(view),
            blocks=build_approval_blocks(view, now=services.clock()),
        )
    except SlackApiError as error:
        # The decision is stored and announced already; only the card is behind.
        logger.warning(
            "could not update the card of %s: %s", action_id, error.response.get("error")
        )
    except (TimeoutError, aiohttp.ClientError, OSError) as error:
        logger.warning("could not update the card of %s: %s", action_id, type(error).__name__)
