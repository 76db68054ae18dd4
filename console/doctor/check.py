"""The outcome of one set-up check, shared by `support-agent doctor` and the console."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    OK = "ok"
    NOT_CONFIGURED = "not configured"
    FAILING = "failing"


@dataclass(frozen=True)
class Check:
    """One part of the set-up: its name, how it is, and why."""

    name: str
    status: Status
    detail: str = ""

    def line(self) -> str:
        """The check as one line of doctor output."""
        text = f"{self.name:<10}{self.status}"
        return f"{text}: {self.detail}" if self.detail else text
