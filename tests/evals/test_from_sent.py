"""`support-agent eval --from-sent OUT`: replies people rewrote before sending become scenarios."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from console.cli import main
from tests.evals.test_replay_command import CONVERSATION, ROOT, _store_run
from workflows.evals.scenarios import load_file
from workflows.store import create_engine, session_factory
from workflows.store.models import SentDraft

AGENT_TEXT = "Hi Grace,\nYour refund is on its way.\nBest regards,\nThe support team"
SENT_TEXT = "Hi Grace,\nI refunded the Sync add-on ($9.00) only, as you asked.\nLee"


async def _store_sent(url: str) -> None:
    original = next(
        s
        for s in load_file(ROOT / "evals" / "refunds.yaml")
        if s.id == "refund-named-addon-among-several"
    )
    engine = create_engine(url)
    try:
        async with session_factory(engine).begin() as session:
            for n, (conversation, ratio) in enumerate([(CONVERSATION, 0.8), ("cnv_light", 0.1)]):
                session.add(
                    SentDraft(
                        draft_id=f"drf_{n}",
                        app_id="demo",
                        conversation_id=conversation,
                        run_id="run_old" if n == 0 else None,
                        agent_text=AGENT_TEXT,
                        sent_text=SENT_TEXT,
                        edit_ratio=ratio,
                        sent_by="lee@example.com",
                        source="local",
                        sent_at=original.now + timedelta(hours=1),
                    )
                )
    finally:
        await engine.dispose()


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'desk.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    asyncio.run(_store_run(url))
    asyncio.run(_store_sent(url))


@pytest.mark.usefixtures("desk")
def test_a_heavily_rewritten_reply_becomes_a_scenario_of_what_the_agent_saw(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "from_sent.yaml"

    assert main(["eval", "--from-sent", str(out)]) == 0

    assert "1 scenario(s) from rewritten replies" in capsys.readouterr().out
    [scenario] = load_file(out)
    original = next(
        s
        for s in load_file(ROOT / "evals" / "refunds.yaml")
        if s.id == "refund-named-addon-among-several"
    )
    assert scenario.id == "sent-cnv-eval-refund-named-addon-among-several"
    assert scenario.category == "from_sent"
    assert "80% rewrite by lee@example.com" in scenario.description
    assert scenario.context().messages == original.context().messages
    assert scenario.context().purchases == original.context().purchases
    assert scenario.context().customer == original.context().customer
    assert scenario.expect.class_ == "legal"
    text = out.read_text()
    assert "#   I refunded the Sync add-on ($9.00) only, as you asked." in text
    assert "#   Your refund is on its way." in text


@pytest.mark.usefixtures("desk")
def test_the_least_edit_ratio_is_the_callers_and_the_file_runs(tmp_path: Path) -> None:
    out = tmp_path / "from_sent.yaml"

    assert main(["eval", "--from-sent", str(out), "--min-edit", "0.05"]) == 0
    # The lightly edited reply has no stored run to rebuild its conversation from.
    assert len(load_file(out)) == 1
    assert main(["eval", "--from-sent", str(out), "--min-edit", "0.9"]) == 0
    assert "- id:" not in out.read_text()

    assert main(["eval", "--from-sent", str(out)]) == 0
    assert main(["eval", str(out)]) == 0
