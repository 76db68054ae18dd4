"""An action as reviewers see it, in Slack and in the console: one model, read from the store."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict

from workflows.config import Settings
from workflows.steps.proposals import purchase_in
from workflows.store.models import Action, AgentRun, App, Conversation

if TYPE_CHECKING:
    # Only a type here: the services build the Slack client, which renders these views.
    from workflows.services import Services


class ActionView(BaseModel):
    """Everything a card or an item page shows about one action; customer text is raw here.

    Whoever renders it escapes it (Block Kit or HTML), so this stays free of any markup.
    """

    model_config = ConfigDict(frozen=True)

    action_id: str
    app_id: str
    app_name: str
    conversation_id: str
    customer_email: str
    # The customer's latest message, whitespace folded and cut to one line.
    request_line: str
    tool: str
    params: dict[str, Any]
    # Of the purchase the action is about, as the agent saw it; USD when there is none.
    currency: str = "USD"
    product: str | None = None
    rationale: str
    policy_reason: str
    # pending | approved | rejected | expired | executed | failed | refused | auto
    status: str
    created_at: datetime
    expires_at: datetime | None
    decided_by: str | None = None
    decided_at: datetime | None = None
    decision_reason: str | None = None
    result: dict[str, Any] = {}
    error: str | None = None
    front_url: str | None = None
    console_url: str
    slack_channel: str | None = None
    slack_ts: str | None = None


REQUEST_LINE_LIMIT = 200


def one_line(text: str, limit: int = REQUEST_LINE_LIMIT) -> str:
    """Fold whitespace and cut to `limit` characters, marking the cut."""
    folded = " ".join(text.split())
    return folded if len(folded) <= limit else folded[: limit - 1].rstrip() + "…"


def console_url(settings: Settings, action_id: str) -> str:
    return f"{settings.public_url.rstrip('/')}/console/actions/{action_id}"


def front_url(conversation_id: str, *, local: bool) -> str | None:
    # Front opens any conversation by id under /open; the local inbox has no Front to open.
    return None if local else f"https://app.frontapp.com/open/{conversation_id}"


async def load_action_view(services: Services, action_id: str) -> ActionView | None:
    """The view of one action, or None when there is no such action."""
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
        if action is None:
            return None
        app = await session.get(App, action.app_id)
        conversation = await session.get(Conversation, action.conversation_id)
        purchase = purchase_in(
            await session.get(AgentRun, action.run_id), action.params.get("purchase_id")
        )
    local = conversation.local if conversation is not None else True
    return ActionView(
        action_id=action.id,
        app_id=action.app_id,
        app_name=app.name if app is not None else action.app_id,
        conversation_id=action.conversation_id,
        customer_email=conversation.customer_email if conversation is not None else "",
        request_line=action.request_line,
        tool=action.tool,
        params=action.params,
        currency=purchase.currency if purchase is not None else "USD",
        product=purchase.product if purchase is not None else None,
        rationale=action.rationale,
        policy_reason=action.policy_reason,
        status=action.status,
        created_at=action.created_at,
        expires_at=action.expires_at,
        decided_by=action.decided_by,
        decided_at=action.decided_at,
        decision_reason=action.decision_reason,
        result=action.result,
        error=action.error,
        front_url=front_url(action.conversation_id, local=local),
        console_url=console_url(services.settings, action.id),
        slack_channel=action.slack_channel,
        slack_ts=action.slack_ts,
    )
