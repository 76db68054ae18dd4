"""The item page flags a draft that still breaks the draft checks, escaped like customer text."""

from __future__ import annotations

from sqlmodel import select

from tests.console.web.conftest import Console, add_pending_action
from workflows.store.models import Action, AgentRun


async def _run_with_violations(
    console: Console, action_id: str, violations: list[dict[str, str]]
) -> None:
    async with console.sessions.begin() as session:
        action = (await session.exec(select(Action).where(Action.id == action_id))).one()
        session.add(
            AgentRun(
                id=action.run_id,
                conversation_id=action.conversation_id,
                app_id=action.app_id,
                model="claude-sonnet-4-6",
                outcome="completed",
                turns=2,
                input_tokens=0,
                output_tokens=0,
                cache_read_input_tokens=0,
                cache_creation_input_tokens=0,
                draft_violations=violations,
                redrafted=True,
            )
        )


async def test_a_flagged_draft_shows_the_rules_it_breaks(console: Console) -> None:
    action_id = await add_pending_action(console)
    violations = [
        {"check": "internal_id", "detail": "act_12345"},
        {"check": "unknown_url", "detail": "https://x.example/<b>"},
    ]
    await _run_with_violations(console, action_id, violations)
    client = await console.signed_in("viewer")

    html = (await client.get(f"/console/actions/{action_id}")).text

    assert "Flagged: this draft still breaks internal id: act_12345; unknown url:" in html
    assert "https://x.example/&lt;b&gt;" in html


async def test_a_draft_that_passes_is_not_flagged(console: Console) -> None:
    action_id = await add_pending_action(console)
    await _run_with_violations(console, action_id, [])
    client = await console.signed_in("viewer")

    html = (await client.get(f"/console/actions/{action_id}")).text

    assert "Flagged:" not in html
