"""Only this session's CSRF token passes, and sign-in only ever sends people to a console page."""

from __future__ import annotations

import pytest

from console.web.security import safe_next
from tests.console.web.conftest import EMAILS, Console, csrf_of
from workflows.store.users import get_user_by_email, update_user

OFF_SITE = [
    "//evil.example",
    "//evil.example/console/",
    "/console//evil.example",
    "https://evil.example/console/",
    "/consoles/",
    "/console",
    "console/",
    "",
    None,
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_an_off_console_next_falls_back_to_the_queue(target: str | None) -> None:
    assert safe_next(target) == "/console/"


@pytest.mark.parametrize("target", ["/console/", "/console/history?q=a", "/console/actions/a1"])
def test_a_console_next_is_followed(target: str) -> None:
    assert safe_next(target) == target


async def test_a_signed_in_visit_to_the_login_page_never_redirects_off_the_console(
    console: Console,
) -> None:
    client = await console.signed_in("viewer")

    for target in ("//evil.example", "/console//evil.example"):
        response = await client.get("/console/login", params={"next": target})
        assert response.status_code == 303
        assert response.headers["location"] == "/console/"
    followed = await client.get("/console/login", params={"next": "/console/history"})
    assert followed.headers["location"] == "/console/history"


async def test_another_sessions_csrf_token_is_refused(console: Console) -> None:
    mallory = await console.signed_in("viewer")
    victim = await console.signed_in("viewer")
    mallorys_token = csrf_of((await mallory.get("/console/")).text)
    victims_token = csrf_of((await victim.get("/console/")).text)
    assert len(mallorys_token) == len(victims_token)

    refused = await victim.post("/console/logout", data={"csrf_token": mallorys_token})

    assert refused.status_code == 403
    assert (await victim.get("/console/")).status_code == 200


async def test_the_token_may_come_in_a_header_and_the_header_is_what_counts(
    console: Console,
) -> None:
    client = await console.signed_in("viewer")
    token = csrf_of((await client.get("/console/")).text)

    forged_header = await client.post(
        "/console/logout", data={"csrf_token": token}, headers={"x-csrf-token": "forged"}
    )
    assert forged_header.status_code == 403
    signed_out = await client.post("/console/logout", headers={"x-csrf-token": token})
    assert signed_out.status_code == 303
    assert (await client.get("/console/")).status_code == 303


async def test_a_session_without_a_token_refuses_every_form(console: Console) -> None:
    # A fresh client has a session cookie only once a page made a token; this one never saw one.
    client = console.client()

    response = await client.post("/console/login", data={"csrf_token": ""})

    assert response.status_code == 403


async def test_a_refusal_says_why_on_a_console_page(console: Console) -> None:
    viewer = await console.signed_in("viewer")
    token = csrf_of((await viewer.get("/console/")).text)

    forged = await viewer.post("/console/logout", data={"csrf_token": "forged"})
    above = await viewer.post("/console/admin/users", data={"csrf_token": token})

    assert forged.status_code == above.status_code == 403
    for refused, reason in (
        (forged, "The form had expired or did not come from this console."),
        (above, "This needs the admin role; you are a viewer."),
    ):
        assert refused.headers["content-type"].startswith("text/html")
        assert f'<p id="error-message">{reason}</p>' in refused.text
        assert "<title>Not allowed · support-agent</title>" in refused.text
        assert "console.css" in refused.text
        assert "content-security-policy" in refused.headers


async def test_nobody_is_sent_to_sign_in_from_a_page_and_refused_elsewhere(
    console: Console,
) -> None:
    client = console.client()

    page = await client.get("/console/history")
    stream = await client.get("/console/queue/stream", headers={"accept": "text/event-stream"})
    form = await client.post("/console/logout")

    assert page.status_code == 303
    assert page.headers["location"] == "/console/login?next=%2Fconsole%2Fhistory"
    assert (stream.status_code, stream.text) == (401, "401 Unauthorized: sign in first.")
    assert (form.status_code, form.text) == (401, "401 Unauthorized: sign in first.")


async def test_a_session_keeps_one_token_so_every_open_page_still_posts(console: Console) -> None:
    client = await console.signed_in("viewer")
    first_page = csrf_of((await client.get("/console/")).text)
    second_page = csrf_of((await client.get("/console/history")).text)

    assert first_page == second_page
    signed_out = await client.post("/console/logout", data={"csrf_token": first_page})
    assert signed_out.status_code == 303


async def test_a_page_asked_for_without_an_accept_header_redirects_to_sign_in(
    console: Console,
) -> None:
    client = console.client()
    request = client.build_request("GET", "/console/history")
    del request.headers["accept"]

    response = await client.send(request)

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2Fhistory"


async def test_a_deleted_account_is_signed_out_at_its_next_request(console: Console) -> None:
    client = await console.signed_in("viewer")
    async with console.sessions.begin() as session:
        user = await get_user_by_email(session=session, email=EMAILS["viewer"])
        await session.delete(user)

    assert (await client.get("/console/")).status_code == 303


async def test_a_session_ended_by_deactivation_stays_ended_after_reactivation(
    console: Console,
) -> None:
    client = await console.signed_in("viewer")
    async with console.sessions.begin() as session:
        user = await get_user_by_email(session=session, email=EMAILS["viewer"])
        assert user is not None
        await update_user(session=session, user=user, now=console.clock(), active=False)
    assert (await client.get("/console/")).status_code == 303

    async with console.sessions.begin() as session:
        user = await get_user_by_email(session=session, email=EMAILS["viewer"])
        assert user is not None
        await update_user(session=session, user=user, now=console.clock(), active=True)

    assert (await client.get("/console/")).status_code == 303


async def test_an_admin_cannot_deactivate_themselves(console: Console) -> None:
    admin = await console.signed_in("admin")
    async with console.sessions() as session:
        me = await get_user_by_email(session=session, email=EMAILS["admin"])
    assert me is not None
    token = csrf_of((await admin.get("/console/admin/users")).text)

    # No "active" box ticked: this form would deactivate the account.
    form = {"csrf_token": token, "role": "admin"}
    response = await admin.post(f"/console/admin/users/{me.id}", data=form)

    assert response.status_code == 303

    async with console.sessions() as session:
        after = await get_user_by_email(session=session, email=EMAILS["admin"])
    assert after is not None
    assert after.active
