"""The agent is the bottom layer: importing it pulls in no web, engine, storage or project code."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = (
    "workflows", "console", "starlette", "fastapi", "inngest", "slack_bolt", "slack_sdk",
    "sqlalchemy", "sqlmodel", "aiosqlite", "asyncpg", "uvicorn",
)  # fmt: skip
MODULES = (
    "actions", "client", "context", "dispatch", "drafts", "errors", "intents", "lookups", "loop",
    "offline", "offline_replies", "policy", "pricing", "prompts", "result", "tools", "comments",
)  # fmt: skip


def test_agent_imports_nothing_from_the_layers_above() -> None:
    imports = "; ".join(f"import agent.{name}" for name in MODULES)
    script = f"import sys; {imports}; print('\\n'.join(sorted(sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "agent.loop" in loaded
    offenders = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert offenders == []
