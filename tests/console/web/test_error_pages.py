"""Refusals and unknown addresses in the console are pages of the console, with a way back."""

from __future__ import annotations

from tests.console.web.conftest import Console


async def test_an_unknown_console_address_is_a_styled_404_that_knows_who_is_signed_in(
    console: Console,
) -> None:
    viewer = await console.signed_in("viewer")

    missing = await viewer.get("/console/no/such/page")

    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "<title>Not found · support-agent</title>" in missing.text
    assert 'href="/console/static/console.css"' in missing.text
    assert "viewer@example.com" in missing.text
    assert '<a href="/console/">Back to the queue</a>' in missing.text
    assert "script-src 'self'" in missing.headers["content-security-policy"]


async def test_a_404_for_nobody_signed_in_points_to_sign_in(console: Console) -> None:
    missing = await console.client().get("/console/nothing-here")

    assert missing.status_code == 404
    assert '<a href="/console/login">Sign in</a>' in missing.text


async def test_the_favicon_is_served_and_linked(console: Console) -> None:
    client = console.client()

    icon = await client.get("/console/static/favicon.svg")
    login = await client.get("/console/login")

    assert icon.status_code == 200
    assert icon.headers["content-type"].startswith("image/svg+xml")
    assert '<link rel="icon" href="/console/static/favicon.svg"' in login.text
