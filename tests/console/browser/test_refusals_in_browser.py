"""What a browser must not do: approve as a viewer, post without CSRF, run customer script."""

from __future__ import annotations

from playwright.async_api import Dialog, expect

from tests.console.browser.conftest import Console
from tests.flow.approvals import action, pending_refund
from tests.flow.inbound import actions, handled, inbound

HOSTILE = "I would like a refund for my team licence please. <script>alert(1)</script> thanks"


async def test_a_viewer_has_no_approve_button_and_a_forged_post_is_refused(
    console: Console,
) -> None:
    pending = await pending_refund(console.stack)
    page = await console.page("viewer")
    await page.goto(f"{console.url}/actions/{pending.id}")
    await expect(page.locator("#status")).to_have_text("pending")
    await expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    await expect(page.locator("#no-decide")).to_be_visible()
    token = await page.locator("input[name=csrf_token]").first.get_attribute("value")
    assert token

    forged = await page.request.post(
        f"{console.url}/actions/{pending.id}/approve", form={"csrf_token": token}
    )

    assert forged.status == 403
    assert (await action(console.stack, pending.id)).status == "pending"


async def test_a_post_without_the_csrf_token_is_refused(console: Console) -> None:
    pending = await pending_refund(console.stack)
    page = await console.page("approver")

    refused = await page.request.post(f"{console.url}/actions/{pending.id}/approve", form={})

    assert refused.status == 403
    assert (await action(console.stack, pending.id)).status == "pending"


async def test_a_customer_script_renders_as_text_and_never_runs(console: Console) -> None:
    message = inbound(HOSTILE, sender="katherine@example.com")
    await handled(console.stack, message)
    [pending] = await actions(console.stack, message.conversation_id)
    page = await console.page("approver")
    dialogs: list[Dialog] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog))

    await expect(page.locator("#queue-rows")).to_contain_text("<script>alert(1)</script>")
    await page.goto(f"{console.url}/actions/{pending.id}")

    await expect(page.locator(".customer-text").first).to_contain_text("<script>alert(1)</script>")
    assert await page.locator("script:not([src])").count() == 0
    assert dialogs == []
