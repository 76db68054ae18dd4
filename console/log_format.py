"""How log lines are written: `LOG_FORMAT=text` for people, `json` (an object a line) for tools."""

from __future__ import annotations

import logging
import sys
from typing import Any

from workflows.config import Settings

TEXT_FORMAT = "%(levelname)s %(name)s %(message)s"
# Only these reach a JSON line: a library's `extra` fields (headers, colour codes) never do.
JSON_FIELDS = frozenset({"time", "level", "logger", "message", "exc_info", "stack_info"})


def json_formatter() -> logging.Formatter:
    """One JSON object per record: time, level, logger, message, and the traceback if any."""
    from pythonjsonlogger.json import JsonFormatter

    class _Fields(JsonFormatter):
        def add_fields(
            self, log_data: dict[str, Any], record: logging.LogRecord, message: dict[str, Any]
        ) -> None:
            super().add_fields(log_data, record, message)
            for key in set(log_data) - JSON_FIELDS:
                del log_data[key]

    return _Fields(
        "{levelname}{name}{message}",
        style="{",
        rename_fields={"levelname": "level", "name": "logger"},
        timestamp="time",  # ISO 8601 in UTC
        json_ensure_ascii=False,
    )


def configure_logging(settings: Settings) -> None:
    """The root logger at LOG_LEVEL, writing to standard error in LOG_FORMAT.

    A root logger that already has handlers (a host that set logging up, or a test runner) is
    left as it is: replacing them would close handlers their owner still writes to."""
    if logging.getLogger().handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        json_formatter() if settings.log_format == "json" else logging.Formatter(TEXT_FORMAT)
    )
    logging.basicConfig(level=settings.log_level.upper(), handlers=[handler])
    if logging.getLogger().level > logging.DEBUG:
        # The server that receives a request logs it already: httpx's own line for each
        # engine call would log every step twice.
        logging.getLogger("httpx").setLevel(logging.WARNING)


def uvicorn_log_config(settings: Settings) -> dict[str, Any] | None:
    """uvicorn's own set-up for text; for JSON none, so its records reach the root's handler."""
    if settings.log_format == "json":
        return None
    from uvicorn.config import LOGGING_CONFIG

    return LOGGING_CONFIG
