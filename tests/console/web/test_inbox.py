"""The local inbox: conversations and drafts; an approver edits a draft and marks it sent."""

from __future__ import annotations

from sqlmodel import select

from tests.console.web.conftest import Console, add_pending_action, post_form
from workflows.store.crud import list_audit_entries
from workflows.store.models import Action, Draft, InboxMessage


async def _draft(console: Console, action_id: str) -> Draft:
    async with console.sessions() as session:
        action = await session.get(Action, action_id)
        assert action is not None
        draft = (
            await session.exec(select(Draft).where(Draft.conversation_id == action.conversation_id))
        ).one()
    return draft


async def test_the_inbox_lists_conversations_with_their_open_drafts(console: Console) -> None:
    action_id = await add_pending_action(console, customer="grace@example.com")
    draft = await _draft(console, action_id)
    client = await console.signed_in("viewer")

    listing = (await client.get("/console/inbox")).text
    page = (await client.get(f"/console/inbox/{draft.conversation_id}")).text

    assert "grace@example.com" in listing
    assert f"/console/inbox/{draft.conversation_id}" in listing
    assert "our team is reviewing your refund" in page
    assert "Save draft" not in page  # viewers read only


async def test_editing_a_draft_keeps_the_text_and_who_edited_it(console: Console) -> None:
    action_id = await add_pending_action(console)
    draft = await _draft(console, action_id)
    client = await console.signed_in("approver")
    page = f"/console/inbox/{draft.conversation_id}"

    response = await post_form(
        client,
        f"/console/inbox/drafts/{draft.id}",
        {"body": "Hello Katherine,\r\nwe are on it."},
        page=page,
    )

    assert response.status_code == 303
    edited = await _draft(console, action_id)
    assert edited.body == "Hello Katherine,\nwe are on it."
    assert edited.edited_by == "approver@example.com"
    assert edited.status == "draft"
    assert "edited by approver@example.com" in (await client.get(page)).text


async def test_marking_a_draft_sent_adds_it_to_the_conversation_once(console: Console) -> None:
    action_id = await add_pending_action(console)
    draft = await _draft(console, action_id)
    client = await console.signed_in("approver")
    page = f"/console/inbox/{draft.conversation_id}"

    await post_form(client, f"/console/inbox/drafts/{draft.id}/sent", page=page)
    again = await post_form(client, f"/console/inbox/drafts/{draft.id}/sent", page=page)

    assert (await _draft(console, action_id)).status == "sent"
    async with console.sessions() as session:
        replies = (
            await session.exec(
                select(InboxMessage).where(
                    InboxMessage.conversation_id == draft.conversation_id,
                    InboxMessage.author == "teammate",
                )
            )
        ).all()
        audit = await list_audit_entries(session=session, subject=draft.conversation_id)
    assert [(r.sender, r.text) for r in replies] == [("approver@example.com", draft.body)]
    assert [entry.action for entry in audit] == ["draft.sent"]
    assert "already sent or removed" in (await client.get(again.headers["location"])).text


async def test_an_empty_draft_is_refused(console: Console) -> None:
    action_id = await add_pending_action(console)
    draft = await _draft(console, action_id)
    client = await console.signed_in("approver")
    page = f"/console/inbox/{draft.conversation_id}"

    await post_form(client, f"/console/inbox/drafts/{draft.id}", {"body": "  "}, page=page)

    assert (await _draft(console, action_id)).body == draft.body
