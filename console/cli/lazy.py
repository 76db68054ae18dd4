"""A command's implementation, named by module and imported only when that command runs.

The implementations pull in the database, the engine and the model SDK; naming them instead of
importing them keeps `support-agent --help` and every parse error instant.
"""

from __future__ import annotations

import argparse
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from workflows.config import Settings


class Command(Protocol):
    def __call__(self, settings: Settings, args: argparse.Namespace, /) -> int: ...


@dataclass(frozen=True)
class Lazy:
    """`module:function`, a `Command` once imported."""

    module: str
    function: str

    def load(self) -> Command:
        command: Command = getattr(importlib.import_module(self.module), self.function)
        return command
