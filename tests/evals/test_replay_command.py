"""`support-agent replay --conversation`: a stored run's context through today's prompt and model,
with what changed in class, tools, verdicts and draft."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select

from console.cli import main
from tests.evals.conftest import CONVERSATION
from workflows.store import Action, AgentRun, create_engine, session_factory
from workflows.store.models import DemoOperation


@pytest.mark.usefixtures("stored_run")
def test_replay_shows_the_changed_verdicts_tools_and_draft(
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()

    assert main(["replay", "--conversation", CONVERSATION]) == 0

    shown = capsys.readouterr().out
    assert f"conversation {CONVERSATION}, run run_old: claude-sonnet-4-5 then, offline now" in shown
    assert "class: legal → support" in shown
    assert (
        "tools: lookup_user → read_conversation, lookup_user, list_purchases, refund_purchase"
    ) in shown
    assert (
        '-refund_purchase {"amount_cents": 24900, "purchase_id": "pur_grace_life", '
        '"reason": "asked"} → needs_approval'
    ) in shown
    assert '+refund_purchase {"amount_cents": 900, "purchase_id": "pur_grace_sync"' in shown
    assert "--- draft (stored run)\n+++ draft (today)" in shown
    # The old reply claimed a refund nobody made; the draft gave it a neutral opening then too.
    assert (
        "-Our team is reviewing your refund request for Pro licence (lifetime) ($249.00)" in shown
    )
    assert "+Your refund of $9.00 for Sync add-on (1 year) has been issued" in shown


@pytest.mark.usefixtures("stored_run")
def test_replay_of_an_unknown_conversation_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--conversation", "cnv_nobody"]) == 1
    assert "no stored agent run for conversation cnv_nobody" in capsys.readouterr().err


@pytest.mark.usefixtures("stored_run")
def test_replay_executes_and_stores_nothing(tmp_path: Path) -> None:
    assert main(["replay", "--conversation", CONVERSATION]) == 0

    assert asyncio.run(_rows(f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}")) == (0, 0, 1)


async def _rows(url: str) -> tuple[int, int, int]:
    engine = create_engine(url)
    try:
        async with session_factory(engine)() as session:
            counts = [
                len(list(await session.exec(select(table))))
                for table in (Action, DemoOperation, AgentRun)
            ]
    finally:
        await engine.dispose()
    return counts[0], counts[1], counts[2]
