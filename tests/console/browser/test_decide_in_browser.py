"""A reviewer in Chromium: the queue fills live, and approve, reject and edit take effect."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.console.browser.conftest import Console, screenshot_path
from tests.flow.approvals import TEAM_REFUND, pending_refund, waiting
from tests.flow.inbound import inbound, send


async def test_a_pending_item_appears_live_and_approving_it_executes(console: Console) -> None:
    page = await console.page("approver")
    await expect(page.locator("#queue-rows")).to_contain_text("Nothing is waiting")

    await send(console.stack, inbound(TEAM_REFUND, sender="katherine@example.com"))

    row = page.locator("#queue-rows tr[data-action]")
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("katherine@example.com")
    await expect(row).to_contain_text("Refund")
    await expect(row).to_contain_text("$499.00")
    await expect(row).to_contain_text("24h 00m left")
    await expect(page.locator("#queue-count")).to_have_text("1")
    await page.screenshot(path=screenshot_path("queue.png"), full_page=True)
    action_id = await row.get_attribute("data-action")
    assert action_id
    await row.get_by_role("link").click()
    await expect(page.locator("#status")).to_have_text("pending")
    await expect(page.locator("#policy-reason")).not_to_be_empty()
    await page.screenshot(path=screenshot_path("item.png"), full_page=True)
    await waiting(console.stack, action_id)

    await page.get_by_role("button", name="Approve", exact=True).click()

    # The approval run executes the refund; the page follows the row without a reload by hand.
    await expect(page.locator("#status")).to_have_text("executed")
    await expect(page.locator("#decided")).to_contain_text("by approver@example.com")
    await expect(page.locator("#audit")).to_contain_text("action.approved")
    await page.screenshot(path=screenshot_path("item-executed.png"), full_page=True)


async def test_reject_with_a_reason(console: Console) -> None:
    pending = await pending_refund(console.stack)
    await waiting(console.stack, pending.id)
    page = await console.page("approver")
    await page.goto(f"{console.url}/actions/{pending.id}")

    await page.get_by_label(re.compile("Reason for rejecting")).fill("Outside the refund window")
    await page.get_by_role("button", name="Reject").click()

    await expect(page.locator("#status")).to_have_text("rejected")
    await expect(page.locator("#decided")).to_contain_text("Outside the refund window")
    await expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)


async def test_edit_the_amount_then_approve(console: Console) -> None:
    pending = await pending_refund(console.stack)
    await waiting(console.stack, pending.id)
    page = await console.page("approver")
    await page.goto(f"{console.url}/actions/{pending.id}")
    amount = page.get_by_label("Amount (e.g. 12.50)")
    await expect(amount).to_have_value("499.00")

    await amount.fill("100.00")
    await page.get_by_role("button", name="Save and approve").click()

    await expect(page.locator("#status")).to_have_text("executed")
    await expect(page.locator("#decided")).to_contain_text("by approver@example.com")
    await expect(page.locator("#params")).to_contain_text("$100.00")
