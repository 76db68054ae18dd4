"""The comment teammates read when an approval ends: what ran, in money, and who edited it."""

from __future__ import annotations

from agent.describe import describe_action, describe_edits
from workflows.approvals.view import ActionView
from workflows.services import Services
from workflows.steps.proposals import Proposal, load_proposal
from workflows.store.models import Action

# What in an app's answer lets a teammate find the change there; a login link's URL is a secret.
_REFERENCES = ("refund_id", "transfer_id")


def outcome_sentence(view: ActionView, proposal: Proposal | None = None) -> str:
    """One line for teammates: what was decided, by whom, what ran, and what an approver changed."""
    known = proposal or Proposal()
    what = describe_action(view.tool, view.params, currency=known.currency, product=known.product)
    when = view.decided_at.strftime("%Y-%m-%d %H:%M UTC") if view.decided_at else ""
    by = view.decided_by or "someone"
    edits = (
        describe_edits(known.params, view.params, currency=known.currency, by=by)
        if known.params is not None
        else ""
    )
    edited = f" (edited before approval: {edits})" if edits else ""
    if view.status == "executed":
        references = [str(view.result[k]) for k in _REFERENCES if view.result.get(k)]
        reference = f" Reference: {', '.join(references)}." if references else ""
        return f"{what}: approved by {by} at {when}{edited} and done.{reference}"
    if view.status == "rejected":
        reason = f" Reason: {view.decision_reason}" if view.decision_reason else ""
        return f"{what}: rejected by {by} at {when}; nothing was done.{reason}"
    if view.status == "expired":
        return f"{what}: nobody decided before it expired; nothing was done."
    if view.status == "failed":
        return f"{what}: approved by {by}{edited}, but it failed: {view.error}"
    return f"{what}: {view.status}."


async def proposal_of(services: Services, action_id: str) -> Proposal:
    """The agent's proposal behind an action, to show what an approver changed."""
    async with services.sessions() as session:
        row = await session.get(Action, action_id)
        return await load_proposal(session, row) if row is not None else Proposal()
