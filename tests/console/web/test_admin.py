"""Admins add users, change roles and passwords, and set an app's approvers and limits."""

from __future__ import annotations

from console.web.throttle import MAX_TRIES
from tests.console.web.conftest import EMAILS, PASSWORD, Console, post_form, sign_in
from workflows.store.crud import get_app, list_audit_entries
from workflows.store.users import get_user_by_email

USERS = "/console/admin/users"


async def test_an_admin_adds_a_user_who_can_then_sign_in(console: Console) -> None:
    admin = await console.signed_in("admin")
    new = {"email": "New@Example.com", "role": "approver", "password": "a long new password"}

    response = await post_form(admin, USERS, {**new, "confirm": new["password"]}, page=USERS)

    assert response.status_code == 303
    assert "Added new@example.com as approver." in (await admin.get(USERS)).text
    assert (await sign_in(console.client(), "new@example.com", new["password"])).status_code == 303
    async with console.sessions() as session:
        entries = await list_audit_entries(session=session, subject="new@example.com")
    assert [(e.action, e.actor) for e in entries] == [
        ("console.signed_in", "console:new@example.com"),
        ("user.added", "console:admin@example.com"),
    ]


async def test_a_duplicate_a_short_password_or_a_mismatch_adds_nobody(console: Console) -> None:
    admin = await console.signed_in("admin")

    for form, reason in (
        ({"email": EMAILS["viewer"], "password": "x" * 12, "confirm": "x" * 12}, "already has"),
        ({"email": "a@example.com", "password": "short", "confirm": "short"}, "10 characters"),
        ({"email": "b@example.com", "password": "x" * 12, "confirm": "y" * 12}, "differ"),
    ):
        await post_form(admin, USERS, {**form, "role": "viewer"}, page=USERS)
        assert reason in (await admin.get(USERS)).text
    async with console.sessions() as session:
        assert await get_user_by_email(session=session, email="a@example.com") is None
        assert await get_user_by_email(session=session, email="b@example.com") is None


async def test_an_admin_changes_a_role_and_resets_a_password(console: Console) -> None:
    admin = await console.signed_in("admin")
    async with console.sessions() as session:
        viewer = await get_user_by_email(session=session, email=EMAILS["viewer"])
    assert viewer is not None
    form = {"role": "approver", "active": "on", "password": "brand new secret", "confirm": ""}

    await post_form(admin, f"{USERS}/{viewer.id}", form, page=USERS)
    assert "differ" in (await admin.get(USERS)).text
    await post_form(
        admin, f"{USERS}/{viewer.id}", {**form, "confirm": form["password"]}, page=USERS
    )

    async with console.sessions() as session:
        changed = await get_user_by_email(session=session, email=EMAILS["viewer"])
    assert changed is not None
    assert changed.role == "approver"
    assert (await sign_in(console.client(), EMAILS["viewer"], PASSWORD)).status_code == 401
    signed = await sign_in(console.client(), EMAILS["viewer"], "brand new secret")
    assert signed.status_code == 303


async def test_an_admin_cannot_demote_or_deactivate_themselves(console: Console) -> None:
    admin = await console.signed_in("admin")
    async with console.sessions() as session:
        me = await get_user_by_email(session=session, email=EMAILS["admin"])
    assert me is not None

    await post_form(admin, f"{USERS}/{me.id}", {"role": "viewer", "active": "on"}, page=USERS)
    await post_form(admin, f"{USERS}/{me.id}", {"role": "admin"}, page=USERS)

    async with console.sessions() as session:
        still = await get_user_by_email(session=session, email=EMAILS["admin"])
    assert still is not None
    assert (still.role, still.active) == ("admin", True)


async def test_an_admin_sets_an_apps_approvers_channel_and_limits(console: Console) -> None:
    admin = await console.signed_in("admin")
    apps = "/console/admin/apps"
    form = {
        "slack_channel": "C0REVIEW",
        "approvers": "U1, U2 U1",
        "auto_refund_max": "15.50",
        "auto_refund_max_age_days": "7",
        "confirm_above": "200.00",
    }

    await post_form(admin, f"{apps}/demo", form, page=apps)

    async with console.sessions() as session:
        app = await get_app(session=session, id="demo")
    assert app is not None
    assert (app.slack_channel, app.approver_ids) == ("C0REVIEW", ["U1", "U2"])
    assert app.confirm_above_cents == 20000
    assert app.policy == {
        "auto_refund_max_cents": 1550,
        "auto_refund_max_age_days": 7,
        "auto_magic_link": False,
    }
    page = (await admin.get(apps)).text
    assert 'value="15.50"' in page
    assert 'value="200.00"' in page
    assert "builtin:demo" in page


async def test_an_unusable_limit_changes_nothing(console: Console) -> None:
    admin = await console.signed_in("admin")
    apps = "/console/admin/apps"

    await post_form(admin, f"{apps}/demo", {"auto_refund_max": "lots"}, page=apps)

    assert "Not saved" in (await admin.get(apps)).text
    async with console.sessions() as session:
        app = await get_app(session=session, id="demo")
    assert app is not None
    assert app.policy["auto_refund_max_cents"] == 2000


async def test_the_health_page_shows_the_doctor_checks(console: Console) -> None:
    admin = await console.signed_in("admin")

    page = (await admin.get("/console/health")).text

    for part in ("database", "engine", "ping", "anthropic", "front", "slack"):
        assert f'data-check="{part}"' in page
    assert "at revision" in page
    assert "ANTHROPIC_API_KEY unset" in page


async def test_an_admin_lifts_a_sign_in_block(console: Console) -> None:
    client = console.client()
    for _ in range(MAX_TRIES):
        await sign_in(client, EMAILS["viewer"], "wrong password")
    assert (await sign_in(client, EMAILS["viewer"], PASSWORD)).status_code == 429
    admin = await console.signed_in("admin")
    async with console.sessions() as session:
        viewer = await get_user_by_email(session=session, email=EMAILS["viewer"])
    assert viewer is not None
    assert f'id="blocked-{viewer.id}"' in (await admin.get(USERS)).text

    lifted = await post_form(admin, f"{USERS}/{viewer.id}/unblock", page=USERS)

    assert lifted.status_code == 303
    page = (await admin.get(USERS)).text
    assert f"{EMAILS['viewer']} may sign in again." in page
    assert f'id="blocked-{viewer.id}"' not in page
    assert (await sign_in(client, EMAILS["viewer"], PASSWORD)).status_code == 303
    async with console.sessions() as session:
        entries = await list_audit_entries(session=session, subject=EMAILS["viewer"])
    assert "user.sign_in_block_lifted" in [e.action for e in entries]


async def test_only_an_admin_lifts_a_sign_in_block(console: Console) -> None:
    approver = await console.signed_in("approver")

    refused = await post_form(approver, f"{USERS}/1/unblock", page="/console/")

    assert refused.status_code == 403
