"""The command line answers at once: parsing imports nothing heavy, and every command resolves."""

from __future__ import annotations

import argparse
import subprocess
import sys

from console.cli import build_parser
from console.cli.lazy import Lazy

HEAVY = ("anthropic", "inngest", "sqlalchemy", "sqlmodel", "pydantic", "starlette", "httpx")


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
