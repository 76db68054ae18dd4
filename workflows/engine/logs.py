"""Keep keys out of logs: `POST /e/<key>` appears in access lines and client logs, and a model
provider's `?key=` (Gemini's, in `step.ai.infer`) in the engine's own request lines."""

from __future__ import annotations

import logging
import re

_EVENT_KEY_IN_PATH = re.compile(r"/e/[^/?#\s\"']+")
REDACTED_PATH = "/e/[redacted]"
_KEY_IN_QUERY = re.compile(r"([?&]key=)[^&#\s\"']+")
# uvicorn's access lines, and httpx's request lines in a process that sends events.
LOGGERS_WITH_URLS = ("uvicorn.access", "httpx")


class EventKeyRedaction(logging.Filter):
    """Rewrites `/e/<key>` in a record's message and arguments; drops nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted_arg(arg) for arg in record.args)
        return True


def _redact(text: str) -> str:
    return _KEY_IN_QUERY.sub(r"\1[redacted]", _EVENT_KEY_IN_PATH.sub(REDACTED_PATH, text))


def _redacted_arg(arg: object) -> object:
    if isinstance(arg, int | float) or arg is None:
        return arg  # keeps %d and %f working
    text = str(arg)  # httpx passes URL objects
    redacted = _redact(text)
    return arg if redacted == text else redacted


_FILTER = EventKeyRedaction()


def redact_event_keys() -> None:
    """Install the redaction on every logger that prints request URLs (idempotent)."""
    for name in LOGGERS_WITH_URLS:
        logging.getLogger(name).addFilter(_FILTER)
