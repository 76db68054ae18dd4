"""`support-agent simulate`."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: argparse._SubParsersAction[Any]) -> None:
    """Add the `simulate` command to the CLI."""
