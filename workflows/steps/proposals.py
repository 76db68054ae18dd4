"""An action as the agent proposed it: its params before any approver's edit, and its purchase."""

from __future__ import annotations

import hashlib
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlmodel.ext.asyncio.session import AsyncSession

from agent.context import ConversationContext, Purchase
from agent.result import AgentResult
from workflows.store.models import Action, AgentRun


def action_id_for(run_id: str, tool_use_id: str) -> str:
    """Stable across retries of the step, unique per run and proposal."""
    digest = hashlib.sha256(f"{run_id}:{tool_use_id}".encode()).hexdigest()
    return f"act_{digest[:24]}"


class Proposal(BaseModel):
    """What the agent asked for and what it knew of the purchase, from its stored run."""

    model_config = ConfigDict(frozen=True)

    # None when the run is gone (or predates stored results).
    params: dict[str, Any] | None = None
    currency: str = "USD"
    product: str | None = None


def purchase_in(run: AgentRun | None, purchase_id: object) -> Purchase | None:
    """The purchase the run's context knew by this id, as the agent saw it."""
    if run is None or not run.context or purchase_id is None:
        return None
    return ConversationContext.model_validate(run.context).purchase(str(purchase_id))


async def load_proposal(session: AsyncSession, row: Action) -> Proposal:
    """The proposal behind a stored action, read from the agent run that made it."""
    run = await session.get(AgentRun, row.run_id)
    if run is None or not run.result:
        return Proposal()
    params = next(
        (
            proposal.params
            for proposal in AgentResult.model_validate(run.result).proposed_actions
            if action_id_for(row.run_id, proposal.tool_use_id) == row.id
        ),
        None,
    )
    purchase = purchase_in(run, row.params.get("purchase_id"))
    if purchase is None:
        return Proposal(params=params)
    return Proposal(params=params, currency=purchase.currency, product=purchase.product)
