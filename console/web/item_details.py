"""Everything the item page shows about an action: from the store, the inbox and the engine."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from agent.actions import EDITABLE_PARAMS
from agent.context import ConversationContext
from agent.draft_checks import Violation
from console.web.proposal_facts import Fact, mismatches, param_facts, purchase_facts
from console.web.timeline import Timeline, load_timelines
from workflows.approvals.view import ActionView, load_action_view
from workflows.integrations.inbox import ThreadMessage
from workflows.services import Services
from workflows.steps.proposals import load_proposal
from workflows.store.crud import list_audit_entries
from workflows.store.models import Action, AgentRun, App, AuditEntry, Conversation, Draft

logger = logging.getLogger(__name__)
LOOKUP_RESULT_LIMIT = 4000


@dataclass(frozen=True)
class Lookup:
    """One look-up the agent made and what it was told (cut when long)."""

    name: str
    input: dict[str, Any]
    result: str
    is_error: bool


@dataclass(frozen=True)
class ItemDetails:
    view: ActionView
    messages: list[ThreadMessage]
    messages_error: str | None
    lookups: list[Lookup]
    agent_reasoning: str
    draft: Draft | None
    # The draft checks the agent's reply still broke after its rewrite, as teammates read them.
    draft_flags: list[str]
    audit: Sequence[AuditEntry]
    timelines: list[Timeline]
    editable: frozenset[str]
    subject: str | None = None
    purchase: list[Fact] = field(default_factory=list)
    proposal: list[Fact] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Approving more than this asks for a confirmation; 0: never.
    confirm_above_cents: int = 0

    @property
    def needs_confirmation(self) -> bool:
        amount = self.view.params.get("amount_cents")
        limit = self.confirm_above_cents
        return isinstance(amount, int) and limit > 0 and amount > limit


async def load_item(services: Services, action_id: str) -> ItemDetails | None:
    """The item page's content, or None when there is no such action."""
    view = await load_action_view(services, action_id)
    if view is None:
        return None
    async with services.sessions() as session:
        action = await session.get(Action, action_id)
        run_id = action.run_id if action is not None else ""
        run = await session.get(AgentRun, run_id)
        draft = (
            await session.exec(
                select(Draft)
                .where(Draft.conversation_id == view.conversation_id, Draft.status != "deleted")
                .order_by(col(Draft.created_at).desc())
                .limit(1)
            )
        ).first()
        audit = list(reversed(await list_audit_entries(session=session, subject=action_id)))
        proposal = await load_proposal(session, action) if action is not None else None
        conversation = await session.get(Conversation, view.conversation_id)
        app = await session.get(App, view.app_id)
    messages, messages_error = await _messages(services, view.conversation_id)
    context = ConversationContext.model_validate(run.context) if run and run.context else None
    purchase = context.purchase(str(view.params.get("purchase_id"))) if context else None
    return ItemDetails(
        view=view,
        messages=messages,
        messages_error=messages_error,
        lookups=_lookups(run),
        agent_reasoning=run.reasoning if run is not None else "",
        draft=draft,
        draft_flags=_draft_flags(run),
        audit=audit,
        timelines=await load_timelines(services.settings, run_id=run_id, action_id=action_id),
        editable=EDITABLE_PARAMS.get(view.tool, frozenset()),
        subject=conversation.subject if conversation is not None else None,
        purchase=purchase_facts(purchase) if purchase is not None else [],
        proposal=param_facts(
            view.params, proposal.params if proposal else None, currency=view.currency
        ),
        warnings=mismatches(view.tool, view.params, context) if context else [],
        confirm_above_cents=app.confirm_above_cents if app is not None else 0,
    )


def _draft_flags(run: AgentRun | None) -> list[str]:
    if run is None:
        return []
    return [Violation.model_validate(v).describe() for v in run.draft_violations]


async def _messages(
    services: Services, conversation_id: str
) -> tuple[list[ThreadMessage], str | None]:
    try:
        return await services.inbox.list_messages(conversation_id), None
    except Exception as error:  # Front may be down; the rest of the page still helps
        logger.warning("messages of %s not loaded: %r", conversation_id, error)
        return [], f"The conversation's messages could not be loaded ({type(error).__name__})."


def _lookups(run: AgentRun | None) -> list[Lookup]:
    if run is None:
        return []
    lookups = []
    for call in run.tool_calls:
        if call.get("kind") != "lookup":
            continue
        result = str(call.get("result", ""))
        if len(result) > LOOKUP_RESULT_LIMIT:
            result = result[:LOOKUP_RESULT_LIMIT] + "\n… (cut)"
        lookups.append(
            Lookup(
                name=str(call.get("name", "")),
                input=dict(call.get("input") or {}),
                result=result,
                is_error=bool(call.get("is_error")),
            )
        )
    return lookups
