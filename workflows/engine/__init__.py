"""An embedded, Inngest-compatible engine: speaks Inngest's protocol to the SDK's serve endpoint
and keeps its state in SQL. Imports nothing else of the project."""

from __future__ import annotations

from workflows.engine.clock import Clock, ManualClock, SystemClock
from workflows.engine.engine import Engine

__all__ = ["Clock", "Engine", "ManualClock", "SystemClock"]
