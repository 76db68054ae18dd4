"""Before an action is approved and again before it runs: does it still hold on fresh data?

Hours may pass between the proposal and the click. Meanwhile the licence may have moved, the
purchase may have been refunded by phone, the customer may have changed their address. So the app
is asked again (who the customer is, what they own, what is left to refund) and the policy is run
again on the answer. A refusal reads as people say it: "the licence now belongs to
bob@example.com", "$5,000.00 is more than the $249.00 left on the purchase".
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlmodel import col, select

from agent.actions import ProposedAction
from agent.context import ConversationContext, Customer
from agent.policy import decide as policy_decide
from workflows.integrations.apps import AppIntegration
from workflows.integrations.registry import app_policy
from workflows.services import Services
from workflows.store.crud import list_audit_entries, record_audit
from workflows.store.models import Action, App, Conversation

# Actions that change nothing in the app have nothing to go stale.
_NOTHING_TO_RECHECK = frozenset({"escalate_to_human"})
# Written once the fresh check passed and the app is about to be called: a retried step must not
# refuse an action the app may already have carried out under its idempotency key.
CHECKED_AUDIT_ACTION = "action.checked"
_subject_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


async def recheck(
    services: Services, action: Action, app: App, *, params: dict[str, Any] | None = None
) -> str | None:
    """None when the action (with `params`, if given) still stands on fresh data; else why not."""
    if action.tool in _NOTHING_TO_RECHECK:
        return None
    wanted = action.params if params is None else params
    proposal = ProposedAction(tool=action.tool, params=wanted, tool_use_id=f"recheck-{action.id}")
    async with services.sessions() as session:
        conversation = await session.get(Conversation, action.conversation_id)
    email = conversation.customer_email if conversation is not None else ""
    async with services.integration(app) as integration:
        customer = await integration.lookup_user(email) if email else None
        if customer is None:
            return f"there is no account for {email or 'the customer'} any more"
        purchases = await integration.purchases(customer.id)
        context = ConversationContext(
            conversation_id=action.conversation_id,
            app_id=app.id,
            sender_email=email,
            customer=customer,
            purchases=purchases,
        )
        moved = await _purchase_gone(services, action, wanted, context)
        if moved is not None:
            return moved
        taken = await _address_taken(integration, wanted, customer)
        if taken is not None:
            return taken
    verdict = policy_decide(proposal, context=context, policy=app_policy(app), now=services.clock())
    return verdict.reason if verdict.verdict == "refuse" else None


async def _purchase_gone(
    services: Services, action: Action, params: dict[str, Any], context: ConversationContext
) -> str | None:
    purchase_id = params.get("purchase_id")
    if not isinstance(purchase_id, str) or context.purchase(purchase_id) is not None:
        return None
    what = "the licence" if action.tool == "transfer_license" else "the purchase"
    new_owner = await _moved_to(services, app_id=action.app_id, purchase_id=purchase_id)
    if new_owner is not None:
        return f"{what} now belongs to {new_owner}"
    return f"{what} no longer belongs to {context.sender_email}"


async def _moved_to(services: Services, *, app_id: str, purchase_id: str) -> str | None:
    """Where our own latest transfer of the purchase took it, if we moved it."""
    async with services.sessions() as session:
        transfers = await session.exec(
            select(Action)
            .where(
                Action.app_id == app_id,
                Action.tool == "transfer_license",
                Action.status == "executed",
            )
            .order_by(col(Action.updated_at).desc())
        )
        latest = next((t for t in transfers if t.params.get("purchase_id") == purchase_id), None)
    return str(latest.params.get("to_email")) if latest is not None else None


async def _address_taken(
    integration: AppIntegration, params: dict[str, Any], customer: Customer
) -> str | None:
    new_email = params.get("new_email")
    if not isinstance(new_email, str) or new_email.strip().lower() == customer.email.lower():
        return None
    holder = await integration.lookup_user(new_email)
    if holder is not None and holder.id != customer.id:
        return f"{new_email} is already used by another account"
    return None


@asynccontextmanager
async def one_at_a_time(action: Action) -> AsyncIterator[None]:
    """Hold other actions on the same purchase or account while this one is checked and run.

    Two approved transfers of one licence must not both pass the check before either runs.
    This serialises them within the process; the check written before each call covers retries.
    """
    subject = action.params.get("purchase_id") or action.params.get("user_id") or action.id
    key = f"{action.app_id}:{subject}"
    lock = _subject_locks.get(key)
    if lock is None:
        lock = _subject_locks[key] = asyncio.Lock()
    async with lock:
        yield


async def recheck_before_running(services: Services, action: Action, app: App) -> str | None:
    """The fresh check at execution, once per action: a retry after it passed calls the app again
    with the same idempotency key rather than judging what that first call may have changed."""
    async with services.sessions() as session:
        trail = await list_audit_entries(session=session, subject=action.id)
    if any(entry.action == CHECKED_AUDIT_ACTION for entry in trail):
        return None
    refusal = await recheck(services, action, app)
    if refusal is None:
        async with services.sessions.begin() as session:
            await record_audit(
                session=session, actor="agent", action=CHECKED_AUDIT_ACTION, subject=action.id
            )
    return refusal


def refusal_text(reason: str) -> str:
    """How a refusal on fresh data reads on the card, in the console and in the comment."""
    return f"Refused on a fresh check: {reason}."
