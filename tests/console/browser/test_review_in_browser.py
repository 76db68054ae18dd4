"""Reviewing fast in Chromium: the item page in words, its shortcuts, and on to the next item."""

from __future__ import annotations

import re

from playwright.async_api import Page, ViewportSize, expect

from tests.console.browser.conftest import Console, screenshot_path
from tests.flow.approvals import action, waiting
from tests.flow.inbound import actions, handled, inbound
from workflows.integrations.demo_app import DEMO_APP_ID
from workflows.store.models import Action, App

PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1200, height=900)
GRACE_ASKS_100 = "Please refund $100 of my lifetime licence, I barely use it."
# More than is left to refund: the proposal is the whole price, not the sum she names.
GRACE_NAMES_300 = "Please refund my lifetime licence, I'm sure I paid $300 for it."
KATHERINE_ASKS = "I would like a refund for my team licence please."


async def pending(console: Console, text: str, *, sender: str, subject: str) -> str:
    """A customer's message handled by the stack, leaving one refund waiting for a decision."""
    message = inbound(text, sender=sender).model_copy(update={"subject": subject})
    await handled(console.stack, message)
    [proposed] = await actions(console.stack, message.conversation_id)
    assert proposed.status == "pending", (proposed.tool, proposed.params, proposed.policy_reason)
    await waiting(console.stack, proposed.id)
    console.stack.clock.advance(60)  # the next item is younger, so it comes after in the queue
    return proposed.id


async def item(console: Console, action_id: str) -> Page:
    page = await console.page("approver")
    await page.goto(f"{console.url}/actions/{action_id}")
    await expect(page.locator("#status")).to_have_text("pending")
    await keys_ready(page)
    return page


async def keys_ready(page: Page) -> None:
    """Until the page's script listens for shortcuts: a key pressed before then does nothing."""
    await expect(page.locator("html[data-shortcuts=ready]")).to_have_count(1)


async def test_the_item_page_reads_in_words_and_warns_of_another_sum(console: Console) -> None:
    action_id = await pending(
        console, GRACE_NAMES_300, sender="grace@example.com", subject="Refund for my licence"
    )
    page = await item(console, action_id)

    await expect(page).to_have_title("Refund for my licence · support-agent")
    await expect(page.locator("h1")).to_have_text("Refund for my licence")
    # The customer's words come first, then what the agent proposes.
    headings = await page.locator("h2").all_inner_texts()
    assert headings.index("What the customer wrote") < headings.index(
        "What the agent proposes: Refund"
    )
    params = page.locator("#params")
    await expect(params).to_contain_text("$249.00")
    await expect(params).not_to_contain_text("amount_cents")
    await expect(params).not_to_contain_text("24900")
    purchase = page.locator("#purchase")
    for shown in ("Pro licence (lifetime)", "Price paid", "Bought on", "Left to refund"):
        await expect(purchase).to_contain_text(shown)
    await expect(page.get_by_role("alert")).to_contain_text(
        "The customer mentioned $300.00; this refunds $249.00."
    )
    await expect(page.locator("#waiting")).to_contain_text("for a decision until")
    timelines = page.locator("#h-timeline + h3 ~ ol.timeline")
    await expect(timelines.last).to_contain_text("waiting for a decision")
    assert "timed out" not in " ".join(await timelines.all_inner_texts())
    await page.screenshot(path=screenshot_path("item.png"), full_page=True)
    await page.set_viewport_size(PHONE)
    await page.screenshot(path=screenshot_path("item-phone.png"), full_page=True)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], "the item page scrolls sideways on a phone"


async def test_an_edited_amount_shows_beside_the_agents(console: Console) -> None:
    action_id = await pending(
        console, KATHERINE_ASKS, sender="katherine@example.com", subject="Team licence"
    )
    page = await item(console, action_id)

    await page.get_by_label("Amount (e.g. 12.50)").fill("100.00")
    await page.get_by_role("button", name="Save and approve").click()

    row = page.locator('#params tr[data-param="amount_cents"]')
    await expect(row).to_contain_text("$100.00 (the agent proposed $499.00)")
    await expect(page.locator("#audit")).to_contain_text("changed to Refund $100.00")


async def test_j_and_k_move_through_the_queue_and_question_mark_explains(
    console: Console,
) -> None:
    first = await pending(console, KATHERINE_ASKS, sender="katherine@example.com", subject="One")
    second = await pending(console, GRACE_ASKS_100, sender="grace@example.com", subject="Two")
    page = await item(console, first)

    await page.keyboard.press("?")
    help_overlay = page.get_by_role("dialog")
    await expect(help_overlay).to_be_visible()
    await expect(help_overlay).to_contain_text("next item")
    await page.keyboard.press("Escape")
    await expect(help_overlay).to_be_hidden()

    await page.keyboard.press("j")
    await expect(page).to_have_url(re.compile(f"/actions/{second}$"))
    await expect(page.locator("h1")).to_have_text("Two")
    await keys_ready(page)
    await page.keyboard.press("j")  # the last item: j stays
    await page.keyboard.press("k")
    await expect(page).to_have_url(re.compile(f"/actions/{first}$"))


async def test_r_and_e_put_the_cursor_where_the_reviewer_types(console: Console) -> None:
    action_id = await pending(
        console, KATHERINE_ASKS, sender="katherine@example.com", subject="Team licence"
    )
    page = await item(console, action_id)

    await page.keyboard.press("r")
    await expect(page.locator("#reason")).to_be_focused()
    await page.keyboard.type("a j k")  # typed into the reason, not taken as shortcuts
    await expect(page.locator("#reason")).to_have_value("a j k")
    await expect(page.locator("#status")).to_have_text("pending")

    await page.locator("h1").click()
    await page.keyboard.press("e")
    await expect(page.locator("#edit-amount_cents")).to_be_focused()


async def test_a_approves_and_goes_on_to_the_next_item_waiting(console: Console) -> None:
    first = await pending(console, KATHERINE_ASKS, sender="katherine@example.com", subject="One")
    second = await pending(console, GRACE_ASKS_100, sender="grace@example.com", subject="Two")
    page = await item(console, first)

    await page.keyboard.press("a")

    await expect(page.locator("#flash")).to_contain_text("Here is the next item waiting.")
    await expect(page).to_have_url(re.compile(f"/actions/{second}$"))
    await expect(page.locator("#status")).to_have_text("pending")
    assert (await action(console.stack, first)).decided_by == "approver@example.com"
    # Rejecting the last one leaves nothing waiting: the page stays and shows the outcome.
    await page.get_by_label(re.compile("Reason for rejecting")).fill("Outside the window")
    await page.get_by_role("button", name="Reject").click()
    await expect(page).to_have_url(re.compile(f"/actions/{second}$"))
    await expect(page.locator("#status")).to_have_text("rejected")


async def test_above_the_apps_limit_approving_asks_to_confirm(console: Console) -> None:
    async with console.stack.sessions.begin() as session:
        app = await session.get(App, DEMO_APP_ID)
        assert app is not None
        app.confirm_above_cents = 20_000
    action_id = await pending(
        console, KATHERINE_ASKS, sender="katherine@example.com", subject="Team licence"
    )
    page = await item(console, action_id)
    confirm = page.get_by_label(re.compile(r"Yes, approve \$499\.00: above the \$200\.00"))
    await expect(confirm).to_be_visible()

    await page.keyboard.press("a")  # the browser asks for the tick first
    await expect(page.locator("#status")).to_have_text("pending")
    assert (await action(console.stack, action_id)).status == "pending"

    await confirm.check()
    await page.get_by_role("button", name="Approve", exact=True).click()
    await expect(page.locator("#status")).to_have_text("executed")


async def test_a_failed_execution_shows_why(console: Console) -> None:
    action_id = await pending(
        console, KATHERINE_ASKS, sender="katherine@example.com", subject="Team licence"
    )
    async with console.stack.sessions.begin() as session:
        row = await session.get(Action, action_id)
        assert row is not None
        row.status, row.error = "failed", "IntegrationError: the app answered HTTP 500"
    page = await console.page("viewer")

    await page.goto(f"{console.url}/actions/{action_id}")

    await expect(page.locator("#failure")).to_have_text(
        "IntegrationError: the app answered HTTP 500"
    )
