"""Sign-in: right and wrong passwords, throttling by the app clock, cookies, CSRF, sign-out."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.console.conftest import AppClient
from tests.console.web.conftest import EMAILS, PASSWORD, Console, csrf_of, sign_in
from workflows.config import Settings
from workflows.store.crud import list_audit_entries


async def test_anonymous_pages_redirect_to_sign_in_and_back(console: Console) -> None:
    client = await console.signed_in(None)

    response = await client.get("/console/?app=demo")

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=%2Fconsole%2F%3Fapp%3Ddemo"
    signed = await sign_in(client, EMAILS["viewer"], PASSWORD, next_path="/console/?app=demo")
    assert signed.status_code == 303
    assert signed.headers["location"] == "/console/?app=demo"


async def test_sign_in_sets_a_signed_http_only_lax_cookie_and_audits(console: Console) -> None:
    client = console.client()

    response = await sign_in(client, EMAILS["approver"], PASSWORD)

    cookie = response.headers["set-cookie"]
    assert cookie.startswith("console_session=")
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "path=/console" in cookie.lower()
    assert "secure" not in cookie.lower()  # PUBLIC_URL is http here
    queue = await client.get("/console/")
    assert queue.status_code == 200
    assert EMAILS["approver"] in queue.text
    async with console.sessions() as session:
        entries = await list_audit_entries(session=session, subject=EMAILS["approver"])
    assert [entry.action for entry in entries] == ["console.signed_in"]


async def test_wrong_password_and_unknown_email_get_the_same_answer(console: Console) -> None:
    client = console.client()

    wrong = await sign_in(client, EMAILS["viewer"], "not the password")
    unknown = await sign_in(client, "nobody@example.com", "not the password")

    assert wrong.status_code == unknown.status_code == 401
    assert "Wrong email or password." in wrong.text
    assert "Wrong email or password." in unknown.text
    assert (await client.get("/console/")).status_code == 303


async def test_five_failures_block_the_sixth_try_until_the_window_passes(console: Console) -> None:
    client = console.client()
    for _ in range(5):
        assert (await sign_in(client, EMAILS["viewer"], "guess")).status_code == 401

    blocked = await sign_in(client, EMAILS["viewer"], PASSWORD)

    assert blocked.status_code == 429
    assert "Too many failed sign-ins" in blocked.text
    other = await sign_in(console.client(), EMAILS["approver"], PASSWORD)
    assert other.status_code == 303  # another email is not blocked
    console.clock.advance(timedelta(minutes=15, seconds=1))
    assert (await sign_in(client, EMAILS["viewer"], PASSWORD)).status_code == 303


async def test_a_sign_in_without_the_csrf_token_is_refused(console: Console) -> None:
    client = console.client()
    await client.get("/console/login")

    response = await client.post(
        "/console/login", data={"email": EMAILS["viewer"], "password": PASSWORD}
    )

    assert response.status_code == 403
    assert (await client.get("/console/")).status_code == 303


async def test_sign_out_ends_the_session(console: Console) -> None:
    client = await console.signed_in("viewer")
    token = csrf_of((await client.get("/console/")).text)

    response = await client.post("/console/logout", data={"csrf_token": token})

    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
    assert (await client.get("/console/")).status_code == 303


async def test_a_copy_of_the_cookie_stops_working_after_sign_out(console: Console) -> None:
    client = await console.signed_in("viewer")
    copy = console.client()
    copy.cookies = httpx.Cookies(client.cookies)
    assert (await copy.get("/console/")).status_code == 200
    token = csrf_of((await client.get("/console/")).text)

    await client.post("/console/logout", data={"csrf_token": token})

    assert (await copy.get("/console/")).status_code == 303
    assert (await sign_in(client, EMAILS["viewer"], PASSWORD)).status_code == 303
    assert (await client.get("/console/")).status_code == 200
    assert (await copy.get("/console/")).status_code == 303  # a new session revives no old one


async def test_a_stolen_cookie_stops_working_when_the_password_changes(console: Console) -> None:
    from console.web.passwords import hash_password
    from workflows.store.users import get_user_by_email, update_user

    client = await console.signed_in("viewer")
    async with console.sessions.begin() as session:
        user = await get_user_by_email(session=session, email=EMAILS["viewer"])
        assert user is not None
        await update_user(
            session=session, user=user, now=console.clock(), password_hash=hash_password("x" * 12)
        )

    assert (await client.get("/console/")).status_code == 303


async def test_a_deactivated_user_can_neither_stay_nor_sign_in(console: Console) -> None:
    from workflows.store.users import get_user_by_email, update_user

    client = await console.signed_in("viewer")
    async with console.sessions.begin() as session:
        user = await get_user_by_email(session=session, email=EMAILS["viewer"])
        assert user is not None
        await update_user(session=session, user=user, now=console.clock(), active=False)

    assert (await client.get("/console/")).status_code == 303
    assert (await sign_in(client, EMAILS["viewer"], PASSWORD)).status_code == 401


async def test_reactivating_a_user_revives_none_of_their_old_sessions(console: Console) -> None:
    from workflows.store.users import get_user_by_email, update_user

    client = await console.signed_in("viewer")
    for active in (False, True):
        async with console.sessions.begin() as session:
            user = await get_user_by_email(session=session, email=EMAILS["viewer"])
            assert user is not None
            await update_user(session=session, user=user, now=console.clock(), active=active)

    assert (await client.get("/console/")).status_code == 303
    assert (await sign_in(client, EMAILS["viewer"], PASSWORD)).status_code == 303


async def test_behind_https_the_cookie_is_secure(settings: Settings, app_client: AppClient) -> None:
    https = settings.model_copy(update={"public_url": "https://support.example.com"})

    async with app_client(https) as client:
        response = await client.get("/console/login")

    cookie = response.headers["set-cookie"].lower()
    assert "; secure" in cookie
    assert "httponly" in cookie
    assert response.headers["x-frame-options"] == "DENY"
    assert "script-src 'self'" in response.headers["content-security-policy"]
