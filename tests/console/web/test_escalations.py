"""The escalations page and alert banners, asked by every role: who sees, who may change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import col, select

from tests.console.web.conftest import EMAILS, Console, add_pending_action, csrf_of, post_form
from workflows.names import Role
from workflows.store.attention import Alert, Escalation
from workflows.store.models import Action, AuditEntry

ROLES: tuple[Role, ...] = ("viewer", "approver", "admin")
HOSTILE = '<script>alert("x")</script> chargeback & <b>now</b>'
PAGE = "/console/escalations"


async def _escalation(console: Console, *, reason: str = HOSTILE) -> str:
    action_id = await add_pending_action(console, text=HOSTILE)
    async with console.sessions.begin() as session:
        action = await session.get(Action, action_id)
        assert action is not None
        session.add(
            Escalation(
                id="esc_1",
                conversation_id=action.conversation_id,
                open_key=action.conversation_id,
                app_id="demo",
                source="triage",
                reason=reason,
                created_at=console.clock(),
                updated_at=console.clock(),
            )
        )
    return "esc_1"


async def _alert(console: Console) -> int:
    async with console.sessions.begin() as session:
        alert = Alert(
            key="action-failed:act_x",
            kind="action-failed",
            subject="act_x",
            summary=f"The refund failed: {HOSTILE}",
            created_at=console.clock(),
        )
        session.add(alert)
        await session.flush()
        assert alert.id is not None
        return alert.id


async def _row(console: Console) -> Escalation:
    async with console.sessions() as session:
        row = await session.get(Escalation, "esc_1")
    assert row is not None
    return row


async def _audit(console: Console, prefix: str) -> list[tuple[str, str]]:
    async with console.sessions() as session:
        entries = await session.exec(select(AuditEntry).order_by(col(AuditEntry.id)))
        return [(e.action, e.actor) for e in entries if e.action.startswith(prefix)]


@pytest.mark.parametrize("role", ROLES)
async def test_every_role_sees_the_reason_escaped_the_age_and_the_count(
    console: Console, role: Role
) -> None:
    await _escalation(console)
    console.clock.advance(timedelta(hours=2, minutes=5))
    client = await console.signed_in(role)

    page = await client.get(PAGE)

    assert page.status_code == 200
    assert (
        "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; chargeback &amp; &lt;b&gt;now" in page.text
    )
    assert "<script>alert" not in page.text
    assert "2h 05m" in page.text
    assert 'id="nav-escalations">1</span>' in page.text
    assert ('action="/console/escalations/esc_1/claim"' in page.text) == (role != "viewer")
    queue = await client.get("/console/")
    assert "Handed to a person: 1" in queue.text


async def test_nobody_signed_in_is_sent_to_sign_in_and_refused_every_change(
    console: Console,
) -> None:
    await _escalation(console)
    alert_id = await _alert(console)
    client = await console.signed_in(None)

    assert (await client.get(PAGE)).status_code == 303
    for change in ("claim", "assign", "resolve"):
        assert (await client.post(f"{PAGE}/esc_1/{change}")).status_code == 401
    assert (await client.post(f"/console/alerts/{alert_id}/dismiss")).status_code == 401


async def test_a_viewer_may_not_claim_assign_resolve_or_dismiss(console: Console) -> None:
    await _escalation(console)
    alert_id = await _alert(console)
    client = await console.signed_in("viewer")

    for change in ("claim", "assign", "resolve"):
        refused = await post_form(
            client, f"{PAGE}/esc_1/{change}", {"assignee": EMAILS["viewer"]}, page=PAGE
        )
        assert refused.status_code == 403, change
    refused = await post_form(client, f"/console/alerts/{alert_id}/dismiss", page="/console/")
    assert refused.status_code == 403

    row = await _row(console)
    assert (row.status, row.assignee) == ("open", None)
    assert await _audit(console, "escalation.") == []


@pytest.mark.parametrize("change", ["claim", "assign", "resolve"])
async def test_a_change_without_the_form_token_is_refused(console: Console, change: str) -> None:
    await _escalation(console)
    client = await console.signed_in("approver")
    await client.get(PAGE)

    refused = await client.post(f"{PAGE}/esc_1/{change}", data={"csrf_token": "forged"})

    assert refused.status_code == 403
    assert (await _row(console)).status == "open"


@pytest.mark.parametrize("role", ["approver", "admin"])
async def test_an_approver_or_admin_claims_assigns_and_resolves(
    console: Console, role: Role
) -> None:
    await _escalation(console)
    client = await console.signed_in(role)
    other = EMAILS["admin" if role == "approver" else "approver"]

    claimed = await post_form(client, f"{PAGE}/esc_1/claim", page=PAGE)
    assert (claimed.status_code, claimed.headers["location"]) == (303, PAGE)
    assert "Claimed: the conversation is yours." in (await client.get(PAGE)).text
    assert (await _row(console)).assignee == EMAILS[role]

    to_viewer = await post_form(
        client, f"{PAGE}/esc_1/assign", {"assignee": EMAILS["viewer"]}, page=PAGE
    )
    assert to_viewer.status_code == 303
    assert "Escalations go to an active approver or admin." in (await client.get(PAGE)).text
    await post_form(client, f"{PAGE}/esc_1/assign", {"assignee": other}, page=PAGE)
    assert (await _row(console)).assignee == other

    await post_form(client, f"{PAGE}/esc_1/resolve", {"note": "Refunded <by hand>"}, page=PAGE)
    row = await _row(console)
    assert (row.status, row.resolved_by, row.resolution) == (
        "resolved",
        EMAILS[role],
        "Refunded <by hand>",
    )
    unresolved = await client.get(PAGE)
    assert "No conversation is waiting for a person." in unresolved.text
    assert 'id="nav-escalations"' not in unresolved.text
    resolved = await client.get(f"{PAGE}?view=resolved")
    assert "Refunded &lt;by hand&gt;" in resolved.text
    assert await _audit(console, "escalation.") == [
        ("escalation.claimed", EMAILS[role]),
        ("escalation.assigned", EMAILS[role]),
        ("escalation.resolved", EMAILS[role]),
    ]


async def test_alerts_show_escaped_on_the_queue_and_health_until_an_approver_dismisses_one(
    console: Console,
) -> None:
    alert_id = await _alert(console)
    viewer = await console.signed_in("viewer")
    admin = await console.signed_in("admin")
    approver = await console.signed_in("approver")

    queue = await viewer.get("/console/")
    assert 'data-alert="action-failed:act_x"' in queue.text
    assert "The refund failed: &lt;script&gt;" in queue.text
    assert "<script>alert" not in queue.text
    assert "/dismiss" not in queue.text
    health = await admin.get("/console/health")
    assert 'data-alert="action-failed:act_x"' in health.text

    dismissed = await post_form(
        approver,
        f"/console/alerts/{alert_id}/dismiss",
        {"next": "/console/health"},
        page="/console/",
    )

    assert (dismissed.status_code, dismissed.headers["location"]) == (303, "/console/health")
    assert "data-alert=" not in (await viewer.get("/console/")).text
    assert await _audit(console, "alert.") == [("alert.dismissed", EMAILS["approver"])]


async def test_dismissing_sends_back_only_to_a_console_page(console: Console) -> None:
    alert_id = await _alert(console)
    approver = await console.signed_in("approver")
    token = csrf_of((await approver.get("/console/")).text)

    sent = await approver.post(
        f"/console/alerts/{alert_id}/dismiss",
        data={"csrf_token": token, "next": "https://evil.example/"},
    )

    assert sent.headers["location"] == "/console/"
