"""The local inbox (no Front configured): conversations and drafts, edited and sent by reviewers."""

from __future__ import annotations

import uuid
from collections import Counter

from sqlmodel import col, select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.web.rendering import flash, render
from console.web.security import SignedIn, services_of, signed_in
from workflows.store.crud import record_audit
from workflows.store.models import Action, Comment, Conversation, Draft, InboxMessage
from workflows.store.sent import agent_text_of, record_sent

PAGE_SIZE = 100


@signed_in()
async def inbox_page(request: Request, user: SignedIn) -> Response:
    services = services_of(request)
    async with services.sessions() as session:
        conversations = (
            await session.exec(
                select(Conversation)
                .where(col(Conversation.local).is_(True))
                .order_by(col(Conversation.updated_at).desc())
                .limit(PAGE_SIZE)
            )
        ).all()
        ids = [conversation.id for conversation in conversations]
        open_drafts = Counter(
            (
                await session.exec(
                    select(Draft.conversation_id).where(
                        col(Draft.conversation_id).in_(ids), Draft.status == "draft"
                    )
                )
            ).all()
        )
    context = {
        "conversations": conversations,
        "open_drafts": open_drafts,
        "local": services.local_inbox is not None,
    }
    return render(request, "inbox.html", context, user=user)


@signed_in()
async def conversation_page(request: Request, user: SignedIn) -> Response:
    conversation_id = request.path_params["conversation_id"]
    async with services_of(request).sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            return render(
                request, "missing.html", {"what": "conversation"}, user=user, status_code=404
            )
        messages = (
            await session.exec(
                select(InboxMessage)
                .where(InboxMessage.conversation_id == conversation_id)
                .order_by(col(InboxMessage.sent_at), col(InboxMessage.id))
            )
        ).all()
        drafts = (
            await session.exec(
                select(Draft)
                .where(Draft.conversation_id == conversation_id, Draft.status != "deleted")
                .order_by(col(Draft.created_at))
            )
        ).all()
        comments = (
            await session.exec(
                select(Comment)
                .where(Comment.conversation_id == conversation_id)
                .order_by(col(Comment.created_at), col(Comment.id))
            )
        ).all()
        actions = (
            await session.exec(
                select(Action)
                .where(Action.conversation_id == conversation_id)
                .order_by(col(Action.created_at))
            )
        ).all()
    context = {
        "conversation": conversation,
        "messages": messages,
        "drafts": drafts,
        "comments": comments,
        "actions": actions,
    }
    return render(request, "conversation.html", context, user=user)


@signed_in("approver")
async def edit_draft(request: Request, user: SignedIn) -> Response:
    body = str((await request.form()).get("body", "")).replace("\r\n", "\n").strip()
    if not body:
        return await _refuse(request, "A draft cannot be empty; delete it in the inbox instead.")
    return await _change_draft(request, user, body=body)


@signed_in("approver")
async def mark_sent(request: Request, user: SignedIn) -> Response:
    return await _change_draft(request, user, body=None)


async def _change_draft(request: Request, user: SignedIn, *, body: str | None) -> Response:
    """Edit the draft's text (body) or, with no body, record it as sent by this user."""
    draft_id = request.path_params["draft_id"]
    now = request.app.state.clock()
    async with services_of(request).sessions.begin() as session:
        draft = await session.get(Draft, draft_id)
        if draft is None or draft.status != "draft":
            return await _refuse(request, "That draft was already sent or removed.", draft)
        if body is not None:
            draft.agent_body = agent_text_of(draft)
            draft.body, draft.edited_by = body, user.email
            message = "Draft saved."
        else:
            draft.status = "sent"
            await record_sent(
                session=session,
                draft=draft,
                sent_text=draft.body,
                sent_by=user.email,
                source="local",
                now=now,
            )
            # What the customer now has: the conversation reads as if Front had sent it.
            session.add(
                InboxMessage(
                    id=f"msg_{uuid.uuid4().hex[:20]}",
                    conversation_id=draft.conversation_id,
                    author="teammate",
                    sender=user.email,
                    text=draft.body,
                    sent_at=now,
                )
            )
            message = "Marked as sent."
        draft.updated_at = now
        session.add(draft)
        await record_audit(
            session=session,
            actor=f"console:{user.email}",
            action="draft.edited" if body is not None else "draft.sent",
            subject=draft.conversation_id,
            detail={"draft_id": draft.id},
        )
    flash(request, message)
    return RedirectResponse(f"/console/inbox/{draft.conversation_id}", status_code=303)


async def _refuse(request: Request, message: str, draft: Draft | None = None) -> Response:
    flash(request, message, "error")
    if draft is None:
        async with services_of(request).sessions() as session:
            draft = await session.get(Draft, request.path_params["draft_id"])
    target = f"/console/inbox/{draft.conversation_id}" if draft else "/console/inbox"
    return RedirectResponse(target, status_code=303)


routes = [
    Route("/inbox", inbox_page, methods=["GET"], name="inbox"),
    Route("/inbox/{conversation_id}", conversation_page, methods=["GET"]),
    Route("/inbox/drafts/{draft_id}", edit_draft, methods=["POST"]),
    Route("/inbox/drafts/{draft_id}/sent", mark_sent, methods=["POST"]),
]
