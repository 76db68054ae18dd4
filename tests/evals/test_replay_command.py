"""`support-agent replay --conversation`: a stored run's context through today's prompt and model,
with what changed in class, tools, verdicts and draft."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlmodel import select

from agent.actions import ProposedAction
from agent.pricing import TokenUsage
from agent.result import AgentResult, ToolCall
from console.cli import main
from workflows.evals.scenarios import load_file
from workflows.integrations.registry import seed_demo_app
from workflows.store import Action, AgentRun, create_engine, session_factory
from workflows.store.models import DemoOperation

ROOT = Path(__file__).resolve().parents[2]
CONVERSATION = "cnv_eval_refund-named-addon-among-several"
# What an older prompt did with "refund the Sync add-on": the $249 licence, and a promise.
OLD_RESULT = AgentResult(
    draft="Hi Grace,\n\nYour refund is on its way.\n\nBest regards,\nThe support team",
    reasoning="Refunded the licence.",
    proposed_actions=[
        ProposedAction(
            tool="refund_purchase",
            params={"purchase_id": "pur_grace_life", "amount_cents": 24900, "reason": "asked"},
            tool_use_id="toolu_old",
        )
    ],
    tool_calls=[
        ToolCall(
            tool_use_id="toolu_look",
            name="lookup_user",
            input={"email": "grace@example.com"},
            kind="lookup",
            result="{}",
        )
    ],
    usage=TokenUsage(input_tokens=2000, output_tokens=300),
    cost_usd=0.0105,
    model="claude-sonnet-4-5",
    turns=3,
    outcome="completed",
)


async def _store_run(url: str) -> None:
    scenario = next(
        s
        for s in load_file(ROOT / "evals" / "refunds.yaml")
        if s.id == "refund-named-addon-among-several"
    )
    context = scenario.context()
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            await seed_demo_app(session=session)
            session.add(
                AgentRun(
                    id="run_old",
                    conversation_id=context.conversation_id,
                    app_id=context.app_id,
                    model=OLD_RESULT.model,
                    outcome="completed",
                    turns=3,
                    input_tokens=2000,
                    output_tokens=300,
                    cache_read_input_tokens=0,
                    cache_creation_input_tokens=0,
                    result=OLD_RESULT.model_dump(mode="json"),
                    context=context.model_dump(mode="json", exclude={"knowledge"}),
                    transcript=[],
                    triage_kind="legal",
                    created_at=scenario.now,
                )
            )
    finally:
        await engine.dispose()


@pytest.fixture
def stored_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_store_run(url))


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
