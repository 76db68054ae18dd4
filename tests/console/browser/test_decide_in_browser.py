"""A reviewer in Chromium: the queue fills live, and approve, reject and edit take effect."""

from __future__ import annotations

import json
import re

from playwright.async_api import ViewportSize, expect

from tests.console.browser.conftest import Console, screenshot_path
from tests.console.slack_requests import ANN, click, signed
from tests.flow.approvals import TEAM_REFUND, action, pending_refund, waiting
from tests.flow.inbound import inbound, send
from tests.integrations.slack_stand_in import CHANNEL, SlackStandIn
from workflows.store.models import Action

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1200, height=900)


def _card_text(slack: SlackStandIn, action: Action) -> str:
    return json.dumps(slack.messages[(CHANNEL, str(action.slack_ts))].blocks)


async def test_a_pending_item_appears_live_and_approving_it_executes(
    console: Console, slack: SlackStandIn
) -> None:
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
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=screenshot_path("queue-phone.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)
    action_id = await row.get_attribute("data-action")
    assert action_id
    await row.get_by_role("link").first.click()
    await expect(page.locator("#status")).to_have_text("pending")
    await expect(page.locator("#policy-reason")).not_to_be_empty()
    await waiting(console.stack, action_id)

    await page.get_by_role("button", name="Approve", exact=True).click()

    # The approval run executes the refund; the page follows the row without a reload by hand.
    await expect(page.locator("#status")).to_have_text("executed")
    await expect(page.locator("#decided")).to_contain_text("by approver@example.com")
    await expect(page.locator("#audit")).to_contain_text("action.approved")
    await page.screenshot(path=screenshot_path("item-executed.png"), full_page=True)
    # The same decision redrew the Slack card: no buttons, who approved, and the refund done.
    card = _card_text(slack, await action(console.stack, action_id))
    assert "Approved by approver@example.com" in card
    assert '"type": "actions"' not in card


async def test_an_approval_clicked_in_slack_shows_on_the_open_item_page(
    console: Console, slack: SlackStandIn
) -> None:
    pending = await pending_refund(console.stack)
    await waiting(console.stack, pending.id)
    posted = await action(console.stack, pending.id)
    page = await console.page("viewer")
    await page.goto(f"{console.url}/actions/{pending.id}")
    await expect(page.locator("#status")).to_have_text("pending")

    body, headers = signed(
        click(
            "approve",
            pending.id,
            user=ANN,
            channel=CHANNEL,
            ts=str(posted.slack_ts),
            response_url=slack.response_url("approve"),
        )
    )
    clicked = await console.stack.http.post(
        f"{console.stack.app_url}/slack/interactions", content=body, headers=headers
    )
    assert clicked.status_code == 200

    await expect(page.locator("#status")).to_have_text("executed")
    await expect(page.locator("#decided")).to_contain_text("by ann")


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
