"""gather-context: the conversation, the customer and their purchases, before the agent runs."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from agent.context import ConversationContext, Message
from workflows.errors import IntegrationError
from workflows.events import InboundReceived
from workflows.integrations.registry import load_knowledge
from workflows.services import Services
from workflows.store.crud import get_app
from workflows.store.models import Conversation, utcnow


class UnknownApp(Exception):
    """The event names an app that is no longer registered; retrying cannot help."""


class Gathered(BaseModel):
    """What the agent will see, and which customer messages it covers."""

    model_config = ConfigDict(frozen=True)

    context: ConversationContext
    customer_message_ids: list[str]
    # A run that finished after this event arrived already answered every message seen here.
    already_answered: bool


async def gather_context(services: Services, inbound: InboundReceived) -> Gathered:
    """Record the conversation, read its messages, and look the sender up in the app."""
    async with services.sessions.begin() as session:
        app = await get_app(session=session, id=inbound.app_id)
        if app is None:
            raise UnknownApp(f"app {inbound.app_id!r} is not registered")
        conversation = await session.get(Conversation, inbound.conversation_id)
        if conversation is None:
            conversation = Conversation(
                id=inbound.conversation_id,
                app_id=app.id,
                inbox_id=inbound.inbox_id,
                subject=inbound.subject,
                customer_email=inbound.sender_email,
                local=services.local_inbox is not None,
            )
            session.add(conversation)
        conversation.updated_at = utcnow()
        answered = conversation.answered_message_id
    # The event names the message; its text is in the inbox (the webhook kept it in the local one).
    thread = await services.inbox.list_messages(inbound.conversation_id)
    if inbound.message_id not in {m.id for m in thread}:
        # Front may list a message a moment after announcing it: the engine tries again shortly.
        raise IntegrationError(
            f"message {inbound.message_id} is not listed in conversation "
            f"{inbound.conversation_id} yet",
            retryable=True,
        )
    async with services.integration(app) as integration:
        customer = await integration.lookup_user(inbound.sender_email)
        purchases = await integration.purchases(customer.id) if customer is not None else []
    context = ConversationContext(
        conversation_id=inbound.conversation_id,
        app_id=app.id,
        sender_email=inbound.sender_email,
        subject=inbound.subject,
        messages=[Message(author=m.author, text=m.text, sent_at=m.sent_at) for m in thread],
        customer=customer,
        purchases=purchases,
        knowledge=load_knowledge(app.id, services.settings.knowledge_dir),
    )
    customer_ids = [m.id for m in sorted(thread, key=lambda m: m.sent_at) if m.author == "customer"]
    return Gathered(
        context=context,
        customer_message_ids=customer_ids,
        already_answered=answered is not None and answered == customer_ids[-1],
    )
