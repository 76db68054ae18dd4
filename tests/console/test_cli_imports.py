"""The command line answers at once: parsing imports nothing heavy, every command resolves, and
`serve` builds its app without the model SDK (seconds to import) or Slack's Bolt."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from console.cli import build_parser
from console.cli.lazy import Lazy

HEAVY = ("anthropic", "inngest", "sqlalchemy", "sqlmodel", "pydantic", "starlette", "httpx")
# Slow to import and not needed to serve until the model is called or Slack is configured.
LATER = ("anthropic", "slack_bolt")


def test_help_imports_no_framework() -> None:
    probe = (
        "import sys, contextlib, io\n"
        "from console.cli import main\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['simulate', 'inbound', '--help'])\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert loaded.strip() == "[]"


def test_serve_builds_its_app_without_the_model_sdk_or_bolt(tmp_path: Path) -> None:
    # With a key, so the real client is configured: it is built when the model is first called.
    probe = (
        "import sys\n"
        "from console.app import create_app\n"
        "from console.commands import server\n"
        "from console.serving import serve\n"
        "from workflows.config import Settings\n"
        "from workflows.secrets import with_generated_secrets\n"
        "settings = Settings(\n"
        f"    _env_file=None, database_url='sqlite+aiosqlite:///{tmp_path / 'app.db'}',\n"
        f"    secrets_file='{tmp_path / 'secrets'}', anthropic_api_key='sk-ant-test',\n"
        ")\n"
        "create_app(with_generated_secrets(settings))\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({LATER!r})))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert loaded.strip() == "[]"


def test_serve_with_a_model_key_loads_the_sdk_beside_the_server(tmp_path: Path) -> None:
    probe = (
        "import asyncio, sys\n"
        "from console import serving\n"
        "from workflows.config import Settings\n"
        "for key in (None, 'sk-ant-test'):\n"
        "    settings = Settings(_env_file=None, anthropic_api_key=key)\n"
        "    asyncio.run(serving._load_model_sdk(settings))\n"
        "    print('anthropic' in sys.modules)\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=tmp_path
    ).stdout
    assert loaded.split() == ["False", "True"]


def _commands(parser: argparse.ArgumentParser) -> list[Lazy]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(_commands(sub))
    command = parser.get_default("command")
    if command is not None:
        found.append(command)
    return found


def test_every_command_names_a_function_that_exists() -> None:
    commands = _commands(build_parser())
    assert len(commands) == 11
    for command in commands:
        assert callable(command.load()), command
