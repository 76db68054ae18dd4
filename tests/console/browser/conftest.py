"""Debian's Chromium driven by Playwright against the whole stack: app, engine, database.

Without /usr/bin/chromium these tests skip, saying how to install it; with REQUIRE_BROWSER=1
(as in CI) they fail instead, so a missing browser is never a quiet pass.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from console.web.passwords import hash_password
from tests.console.slack_requests import ANN, SECRET
from tests.flow.stack import Stack, running_stack, stack_settings
from tests.integrations.slack_stand_in import CHANNEL, TOKEN, SlackStandIn
from workflows.names import Role
from workflows.store.users import create_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "correct horse battery"
PASSWORD_HASH = hash_password(PASSWORD)
EMAILS: dict[Role, str] = {"viewer": "viewer@example.com", "approver": "approver@example.com"}
# Screenshots land here (gitignored) so a person can look at what the tests saw.
OUTPUT = Path(__file__).resolve().parents[3] / "test-output" / "console"
# Generous: the first page of a run waits for the engine and the offline model.
LIVE_TIMEOUT_MS = 20_000
expect.set_options(timeout=LIVE_TIMEOUT_MS)


@dataclass
class Console:
    """The stack plus a browser; `page(role)` opens a signed-in tab."""

    stack: Stack
    browser: Browser
    contexts: list[BrowserContext] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.stack.app_url}/console"

    async def page(self, role: Role) -> Page:
        context = await self.browser.new_context(viewport={"width": 1200, "height": 900})
        self.contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(LIVE_TIMEOUT_MS)
        await page.goto(f"{self.url}/")
        await expect(page).to_have_url(re.compile(r"/console/login"))
        await page.get_by_label("Email").fill(EMAILS[role])
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(
            page.get_by_role("heading", name=re.compile("Waiting for a decision"))
        ).to_be_visible()
        return page


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if not shutil.which(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing: apt-get install -y chromium")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as server:
        yield server


@pytest.fixture
async def console(
    database_url: str, tmp_path: Path, browser: Browser, slack: SlackStandIn
) -> AsyncIterator[Console]:
    """The whole stack with Slack played by a stand-in, so cards follow console decisions."""
    settings = stack_settings(
        database_url,
        tmp_path,
        slack_bot_token=TOKEN,
        slack_signing_secret=SECRET,
        slack_api_url=slack.api_url,
        slack_approval_channel=CHANNEL,
        slack_approver_ids=ANN["id"],
    )
    async with running_stack(settings) as stack:
        async with stack.sessions.begin() as session:
            for role, email in EMAILS.items():
                await create_user(
                    session=session,
                    email=email,
                    role=role,
                    password_hash=PASSWORD_HASH,
                    now=datetime.fromtimestamp(stack.clock.now(), UTC),
                )
        console = Console(stack=stack, browser=browser)
        try:
            yield console
        finally:
            # Close the tabs first: their live streams would hold the server open.
            for context in console.contexts:
                await context.close()


def screenshot_path(name: str) -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT / name
