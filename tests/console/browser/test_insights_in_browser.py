"""A support lead in Chromium: a reply marked sent in the inbox shows on the insights page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from playwright.async_api import ViewportSize, expect

from tests.console.browser.conftest import Console, screenshot_path
from tests.console.web.insights_seed import seed_desk
from tests.flow.inbound import drafts, handled, inbound
from workflows.integrations.demo_app import DEMO_APP_ID

PHONE = ViewportSize(width=390, height=844)


async def test_the_insights_page_draws_the_desk_and_counts_a_reply_sent_unedited(
    console: Console,
) -> None:
    stack = console.stack
    await seed_desk(stack.sessions, datetime.fromtimestamp(stack.clock.now(), UTC), "acme")
    message = inbound("Hi, I can't log in to my account since yesterday.")
    await handled(stack, message)
    [draft] = await drafts(stack, message.conversation_id)
    page = await console.page("approver")
    await page.goto(f"{console.url}/inbox/{message.conversation_id}")

    await page.get_by_role("button", name="Mark sent").click()
    await expect(page.locator("#flash")).to_have_text("Marked as sent.")
    await page.get_by_role("link", name="Insights").click()

    await expect(page).to_have_url(re.compile(r"/console/insights$"))
    figures = page.locator("#figures")
    await expect(figures).to_contain_text("Drafts sent unedited3 of 4 (75%)")
    for chart in ("messages", "outcomes", "refunded-usd", "cost", "sent"):
        await expect(page.locator(f"#chart-{chart} svg.chart-svg")).to_be_visible()
    await expect(page.locator("#most-edited")).to_contain_text("80%")
    await page.screenshot(path=screenshot_path("insights.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=screenshot_path("insights-phone.png"), full_page=True)
    # A chart never overflows a phone's width.
    box = await page.locator("#chart-messages svg.chart-svg").bounding_box()
    assert box is not None
    assert box["width"] <= PHONE["width"]

    await page.get_by_label("App").select_option(DEMO_APP_ID)
    await page.get_by_role("button", name="Show").click()

    await expect(page).to_have_url(re.compile(rf"app={DEMO_APP_ID}"))
    await expect(figures).to_contain_text("Drafts sent unedited1 of 1 (100%)")
    assert draft.run_id is not None
