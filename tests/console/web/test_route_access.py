"""Every console route, asked by nobody, a viewer, an approver and an admin."""

from __future__ import annotations

import pytest
from sqlmodel import select

from tests.console.web.conftest import EMAILS, Console, add_pending_action, csrf_of
from workflows.names import Role
from workflows.store.models import Action, Draft
from workflows.store.users import get_user_by_email

ROLES: tuple[Role, ...] = ("viewer", "approver", "admin")
# GET pages and the lowest role that may open them.
PAGES: dict[str, Role] = {
    "/console/": "viewer",
    "/console/?app=demo&tool=refund_purchase": "viewer",
    "/console/actions/{action}": "viewer",
    "/console/history": "viewer",
    "/console/history?q=katherine&tool=refund_purchase&status=approved": "viewer",
    "/console/inbox": "viewer",
    "/console/inbox/{conversation}": "viewer",
    "/console/admin/users": "admin",
    "/console/admin/apps": "admin",
    "/console/health": "admin",
}
STREAMS = ("/console/queue/stream", "/console/actions/{action}/stream")
# Forms and the lowest role that may send them.
FORMS: dict[str, Role] = {
    "/console/actions/{action}/approve": "approver",
    "/console/actions/{action}/reject": "approver",
    "/console/actions/{action}/edit": "approver",
    "/console/inbox/drafts/{draft}": "approver",
    "/console/inbox/drafts/{draft}/sent": "approver",
    "/console/admin/users": "admin",
    "/console/admin/users/{user}": "admin",
    "/console/admin/apps/demo": "admin",
}
RANK = {role: index for index, role in enumerate(ROLES)}


async def _names(console: Console) -> dict[str, str]:
    action_id = await add_pending_action(console)
    async with console.sessions() as session:
        action = await session.get(Action, action_id)
        assert action is not None
        draft = (await session.exec(select(Draft))).first()
        user = await get_user_by_email(session=session, email=EMAILS["viewer"])
    assert draft is not None
    assert user is not None
    return {
        "action": action_id,
        "conversation": action.conversation_id,
        "draft": draft.id,
        "user": str(user.id),
    }


async def test_anonymous_pages_redirect_and_streams_and_forms_get_401(console: Console) -> None:
    names = await _names(console)
    client = await console.signed_in(None)

    for page in PAGES:
        response = await client.get(page.format(**names))
        assert response.status_code == 303, page
        assert response.headers["location"].startswith("/console/login?next="), page
    for stream in STREAMS:
        # A stream is never a page, whatever the request says it accepts.
        for accept in ("text/event-stream", "*/*", "text/html"):
            response = await client.get(stream.format(**names), headers={"accept": accept})
            assert response.status_code == 401, (stream, accept)
        assert (await client.get(stream.format(**names))).status_code == 401, stream
    for form in (*FORMS, "/console/logout"):
        assert (await client.post(form.format(**names))).status_code == 401, form


@pytest.mark.parametrize("role", ROLES)
async def test_each_role_opens_its_pages_and_is_refused_the_others(
    console: Console, role: Role
) -> None:
    names = await _names(console)
    client = await console.signed_in(role)

    for page, needed in PAGES.items():
        response = await client.get(page.format(**names))
        expected = 200 if RANK[role] >= RANK[needed] else 403
        assert response.status_code == expected, (role, page, response.text[:200])


@pytest.mark.parametrize("role", ["viewer", "approver"])
async def test_forms_above_the_role_are_refused_even_with_a_valid_token(
    console: Console, role: Role
) -> None:
    names = await _names(console)
    client = await console.signed_in(role)
    token = csrf_of((await client.get("/console/")).text)

    for form, needed in FORMS.items():
        if RANK[role] >= RANK[needed]:
            continue
        response = await client.post(form.format(**names), data={"csrf_token": token})
        assert response.status_code == 403, (role, form)
    async with console.sessions() as session:
        action = await session.get(Action, names["action"])
    assert action is not None
    assert action.status == "pending"


@pytest.mark.parametrize("role", ROLES)
async def test_every_form_needs_the_csrf_token(console: Console, role: Role) -> None:
    names = await _names(console)
    client = await console.signed_in(role)

    for form in (*FORMS, "/console/logout"):
        response = await client.post(form.format(**names), data={"csrf_token": "forged"})
        assert response.status_code == 403, (role, form)
