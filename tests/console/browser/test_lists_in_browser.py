"""The queue and the history in Chromium: rows that open, pages, one customer, a CSV file."""

from __future__ import annotations

import csv
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.async_api import expect

from console.web.queue import PAGE_SIZE
from tests.console.browser.conftest import Console
from workflows.integrations.demo_app import DEMO_APP_ID, DEMO_INBOX_ID
from workflows.store.models import Action, Conversation


async def add_actions(
    console: Console, count: int, *, status: str, customer: str, subject: str = "Help"
) -> list[str]:
    """`count` refunds of $12.00 for the customer, a minute apart, oldest first."""
    start = datetime.fromtimestamp(console.stack.clock.now(), UTC)
    ids = []
    async with console.stack.sessions.begin() as session:
        for n in range(count):
            at = start + timedelta(minutes=n)
            conversation_id = f"cnv_{uuid.uuid4().hex[:12]}"
            action_id = f"act_{n:03d}_{uuid.uuid4().hex[:8]}"
            session.add(
                Conversation(
                    id=conversation_id,
                    app_id=DEMO_APP_ID,
                    inbox_id=DEMO_INBOX_ID,
                    customer_email=customer,
                    subject=subject,
                    local=True,
                    created_at=at,
                    updated_at=at,
                )
            )
            session.add(
                Action(
                    id=action_id,
                    app_id=DEMO_APP_ID,
                    conversation_id=conversation_id,
                    run_id=f"run_{uuid.uuid4().hex[:12]}",
                    tool="refund_purchase",
                    params={"purchase_id": "pur_1", "amount_cents": 1200, "reason": "asked"},
                    verdict="needs_approval",
                    status=status,
                    request_line="Refund please",
                    decided_by="lee@example.com" if status != "pending" else None,
                    decided_at=at if status != "pending" else None,
                    expires_at=at + timedelta(hours=24),
                    created_at=at,
                    updated_at=at,
                )
            )
            ids.append(action_id)
    return ids


async def test_a_click_anywhere_on_a_queue_row_opens_its_item(console: Console) -> None:
    [action_id] = await add_actions(console, 1, status="pending", customer="ada@example.com")
    page = await console.page("viewer")
    row = page.locator(f'#queue-rows tr[data-action="{action_id}"]')
    await expect(row).to_contain_text("Help")  # the subject

    await row.locator("td.request").click()

    await expect(page).to_have_url(re.compile(f"/console/actions/{action_id}$"))


async def test_a_transfer_shows_where_it_goes_in_the_queue(console: Console) -> None:
    [action_id] = await add_actions(console, 1, status="pending", customer="ada@example.com")
    async with console.stack.sessions.begin() as session:
        row = await session.get(Action, action_id)
        assert row is not None
        row.tool, row.params = "transfer_license", {"purchase_id": "p", "to_email": "bo@x.example"}
    page = await console.page("viewer")

    await expect(page.locator(f'tr[data-action="{action_id}"]')).to_contain_text(
        "Transfer licence → bo@x.example"
    )


async def test_the_queue_pages_through_many_items(console: Console) -> None:
    ids = await add_actions(console, PAGE_SIZE + 1, status="pending", customer="ada@example.com")
    page = await console.page("viewer")
    rows = page.locator("#queue-rows tr[data-action]")
    await expect(rows).to_have_count(PAGE_SIZE)
    await expect(page.locator("#queue-count")).to_have_text(str(PAGE_SIZE + 1))
    await expect(page.locator("#page-of")).to_have_text("Page 1 of 2")

    await page.locator("#page-next").click()

    await expect(rows).to_have_count(1)
    await expect(rows.first).to_have_attribute("data-action", ids[-1])
    await expect(page.locator("#page-of")).to_have_text("Page 2 of 2")


async def test_the_history_of_one_customer_downloads_as_csv(
    console: Console, tmp_path: Path
) -> None:
    mine = await add_actions(
        console, 3, status="executed", customer="ada@example.com", subject="=HYPERLINK(1)"
    )
    await add_actions(console, 2, status="rejected", customer="grace@example.com")
    page = await console.page("viewer")
    await page.goto(f"{console.url}/history")
    await page.get_by_role("link", name="ada@example.com").first.click()
    await expect(page.locator("h1")).to_contain_text("History of ada@example.com")
    await expect(page.locator("#history-rows tr[data-action]")).to_have_count(3)

    async with page.expect_download() as started:
        await page.get_by_role("link", name="Download CSV").click()
    download = await started.value
    saved = tmp_path / download.suggested_filename
    await download.save_as(saved)

    with saved.open(newline="", encoding="utf-8") as file:
        lines = list(csv.DictReader(file))
    assert sorted(line["action_id"] for line in lines) == sorted(mine)
    assert {line["amount"] for line in lines} == {"$12.00"}
    assert {line["customer"] for line in lines} == {"ada@example.com"}
    # A subject a spreadsheet would run as a formula stays text.
    assert {line["subject"] for line in lines} == {"'=HYPERLINK(1)"}
