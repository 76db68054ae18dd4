"""A lead in Chromium: escalated conversations with their reason and age; claim, assign, resolve."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.async_api import ViewportSize, expect

from tests.console.browser.conftest import PASSWORD_HASH, Console, screenshot_path
from workflows.alerts import Raised, raise_alert
from workflows.escalations import escalate
from workflows.integrations.demo_app import DEMO_APP_ID, DEMO_INBOX_ID
from workflows.store.models import Conversation
from workflows.store.users import create_user

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1200, height=900)
LEAD = "lead@example.com"
HOSTILE = 'Customer wrote <img src=x onerror="document.title=1"> and mentions a chargeback'


async def _escalated(console: Console, conversation_id: str, subject: str, reason: str) -> str:
    stack = console.stack
    async with stack.sessions.begin() as session:
        session.add(
            Conversation(
                id=conversation_id,
                app_id=DEMO_APP_ID,
                inbox_id=DEMO_INBOX_ID,
                customer_email=f"{conversation_id}@example.com",
                subject=subject,
                local=True,
            )
        )
    return await escalate(
        stack.services, conversation_id=conversation_id, source="triage", reason=reason
    )


async def test_an_approver_claims_assigns_and_resolves_an_escalation(console: Console) -> None:
    stack = console.stack
    async with stack.sessions.begin() as session:
        now = datetime.fromtimestamp(stack.clock.now(), UTC)
        await create_user(
            session=session, email=LEAD, role="admin", password_hash=PASSWORD_HASH, now=now
        )
    chargeback = await _escalated(console, "cnv_chargeback", "Chargeback filed", HOSTILE)
    await _escalated(console, "cnv_legal", "Letter from a lawyer", "Legal threat in the message")
    await raise_alert(
        stack.services,
        Raised(
            key="action-failed:act_demo",
            kind="action-failed",
            subject="act_demo",
            summary="The refund purchase act_demo failed: the app refused <b>it</b>",
        ),
    )
    stack.clock.advance(3 * 3600 + 60)

    page = await console.page("approver")
    await expect(page.locator("#alerts")).to_contain_text("the app refused <b>it</b>")
    await expect(page.locator("#queue-escalations")).to_contain_text("Handed to a person: 2")
    await page.get_by_role("link", name=re.compile("^Escalations")).first.click()
    await expect(page.locator("#nav-escalations")).to_have_text("2")
    row = page.locator(f'tr[data-escalation="{chargeback}"]')
    await expect(row).to_contain_text("3h 01m")
    await expect(row).to_contain_text("Chargeback filed")
    await expect(row.locator(".reason")).to_have_text(HOSTILE)
    assert await page.title() != "1"  # the reason is text, never markup that runs

    await row.get_by_role("button", name="Claim").click()
    await expect(page.locator("#flash")).to_have_text("Claimed: the conversation is yours.")
    await expect(row.locator(".holder")).to_have_text("approver@example.com")
    await expect(row.get_by_role("button", name="Claim")).to_have_count(0)
    await page.screenshot(path=screenshot_path("escalations.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=screenshot_path("escalations-phone.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)

    await row.get_by_label("Assign to").select_option(LEAD)
    await row.get_by_role("button", name="Assign").click()
    await expect(page.locator("#flash")).to_have_text("Assigned.")
    await expect(row.locator(".holder")).to_have_text(LEAD)

    await row.get_by_label("Note").fill("Answered the bank; nothing to refund")
    await row.get_by_role("button", name="Resolve").click()
    await expect(page.locator("#flash")).to_have_text("Resolved.")
    await expect(row).to_have_count(0)
    await expect(page.locator("#nav-escalations")).to_have_text("1")

    await page.get_by_role("link", name="Resolved").click()
    resolved = page.locator(f'tr[data-escalation="{chargeback}"]')
    await expect(resolved).to_contain_text("by approver@example.com")
    await expect(resolved).to_contain_text("Answered the bank; nothing to refund")


async def test_a_viewer_sees_escalations_but_no_buttons(console: Console) -> None:
    escalation_id = await _escalated(console, "cnv_legal", "Letter", "Legal threat")

    page = await console.page("viewer")
    await page.goto(f"{console.url}/escalations")

    row = page.locator(f'tr[data-escalation="{escalation_id}"]')
    await expect(row).to_contain_text("Legal threat")
    await expect(row).to_contain_text("Approvers claim and resolve.")
    await expect(page.get_by_role("button", name="Claim")).to_have_count(0)
    await expect(page.get_by_role("button", name="Resolve")).to_have_count(0)


async def test_the_open_queue_shows_new_alerts_and_escalations_without_a_reload(
    console: Console,
) -> None:
    page = await console.page("approver")
    await expect(page.locator("#queue-escalations")).to_contain_text("Handed to a person: 0")
    await expect(page.locator("#alerts")).to_have_count(0)
    await expect(page.locator("#nav-escalations")).to_have_count(0)

    await raise_alert(
        console.stack.services,
        Raised(
            key="action-failed:act_live",
            kind="action-failed",
            subject="act_live",
            summary="The refund act_live failed: the app refused <b>it</b>",
        ),
    )
    await _escalated(console, "cnv_live", "Chargeback filed", HOSTILE)

    await expect(page.locator("#alerts")).to_contain_text("the app refused <b>it</b>")
    await expect(page.locator("#queue-escalations")).to_contain_text("Handed to a person: 1")
    await expect(page.locator("#nav-escalations")).to_have_text("1")
    # The alert came over the live stream; its form still carries the session's CSRF token.
    await page.locator("#alerts").get_by_role("button", name="Dismiss").click()
    await expect(page.locator("#alerts")).to_have_count(0)
    await expect(page.locator("#nav-escalations")).to_have_text("1")
