"""LOG_FORMAT=json: one JSON object per line, with fixed fields and no library extras."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from console.log_format import configure_logging
from workflows.config import Settings


@pytest.fixture
def root_logging() -> Iterator[None]:
    """Put the root logger back as pytest set it up."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    httpx_level = logging.getLogger("httpx").level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.getLogger("httpx").setLevel(httpx_level)


def _lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines() if line]


@pytest.mark.usefixtures("root_logging")
def test_each_record_is_one_json_object_with_fixed_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.getLogger().handlers.clear()  # as in a fresh process: pytest's own are put back
    configure_logging(Settings(_env_file=None, log_format="json", log_level="DEBUG"))
    log = logging.getLogger("support_agent.test")

    log.info("accepted Front event %s\nfor app %s", "evt_1", "démo")
    log.info("request", extra={"authorization": "Bearer s3cret", "color_message": "\x1b[1m"})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("could not send")

    err = capsys.readouterr().err
    first, second, third = _lines(err)
    assert set(first) == {"time", "level", "logger", "message"}
    assert first["message"] == "accepted Front event evt_1\nfor app démo"
    assert (first["level"], first["logger"]) == ("INFO", "support_agent.test")
    assert str(first["time"]).endswith("+00:00")
    assert "s3cret" not in err
    assert set(second) == {"time", "level", "logger", "message"}
    assert "RuntimeError: boom" in str(third["exc_info"])


@pytest.mark.usefixtures("root_logging")
def test_text_stays_the_default(capsys: pytest.CaptureFixture[str]) -> None:
    logging.getLogger().handlers.clear()
    configure_logging(Settings(_env_file=None))

    logging.getLogger("support_agent.test").warning("plain")

    assert capsys.readouterr().err == "WARNING support_agent.test plain\n"


@pytest.mark.usefixtures("root_logging")
def test_a_root_logger_set_up_by_its_host_is_left_alone(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    root.handlers.clear()
    own = logging.StreamHandler(sys.stderr)
    own.setFormatter(logging.Formatter("host: %(message)s"))
    root.addHandler(own)

    configure_logging(Settings(_env_file=None, log_format="json"))
    logging.getLogger("support_agent.test").warning("kept")

    assert root.handlers == [own]
    assert capsys.readouterr().err == "host: kept\n"


def test_the_command_line_logs_json_when_asked(tmp_path: Path) -> None:
    database = tmp_path / "app.db"
    env = {
        **os.environ,
        "LOG_FORMAT": "json",
        "DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        "SECRETS_FILE": str(tmp_path / "secrets"),
    }

    done = subprocess.run(
        [sys.executable, "-m", "console.cli", "db", "upgrade"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )

    lines = _lines(done.stderr)
    assert lines
    assert {line["logger"] for line in lines} == {"alembic.runtime.migration"}
