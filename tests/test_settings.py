"""Settings pick the engine from configuration alone, and refuse unsafe production set-ups."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from console.cli import main
from workflows.client import create_inngest_client
from workflows.config import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults_are_the_embedded_single_machine_mode() -> None:
    settings = Settings(_env_file=None)

    assert settings.embedded_engine
    assert settings.database_url == "sqlite+aiosqlite:///./support-agent.db"
    assert settings.engine_url == "http://127.0.0.1:8288"
    assert settings.serve_url == "http://127.0.0.1:8000/api/inngest"
    assert settings.approval_timeout == timedelta(hours=24)


@pytest.mark.parametrize(
    ("variables", "external"),
    [
        ({"INNGEST_DEV": "http://inngest:8288"}, "http://inngest:8288"),
        ({"INNGEST_BASE_URL": "http://inngest.internal:8288"}, "http://inngest.internal:8288"),
        ({"INNGEST_SIGNING_KEY": "signkey-prod-abc"}, None),
    ],
)
def test_any_external_inngest_disables_the_embedded_engine(
    variables: dict[str, str], external: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    settings = Settings(_env_file=None)

    assert not settings.embedded_engine
    assert settings.external_inngest_url == external


def test_inngest_dev_as_a_flag_keeps_the_embedded_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INNGEST_DEV", "1")

    assert Settings(_env_file=None).embedded_engine


def test_production_refuses_the_placeholder_console_secret() -> None:
    with pytest.raises(ValidationError, match="CONSOLE_SECRET_KEY"):
        Settings(_env_file=None, app_env="production")

    assert Settings(_env_file=None, app_env="production", console_secret_key="real").app_env


@pytest.mark.parametrize(
    ("overrides", "signed"),
    [
        ({}, False),
        ({"engine_signing_key": "signkey-test-abc"}, True),
        ({"inngest_dev": "http://inngest:8288"}, False),
        (
            {
                "inngest_base_url": "http://inngest.internal:8288",
                "inngest_signing_key": "signkey-prod-abc",
            },
            True,
        ),
        ({"inngest_signing_key": "signkey-prod-abc"}, True),
    ],
)
def test_the_client_verifies_signatures_except_for_unsigned_dev_set_ups(
    overrides: dict[str, str], signed: bool
) -> None:
    settings = Settings(_env_file=None, **overrides)  # type: ignore[arg-type]

    assert create_inngest_client(settings).is_production is signed


def test_the_readme_documents_every_setting() -> None:
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", README.read_text(), flags=re.MULTILINE))

    assert documented == {name.upper() for name in Settings.model_fields}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("86400", timedelta(days=1)),
        ("PT24H", timedelta(days=1)),
        ("P1D", timedelta(days=1)),
        ("P1DT2H", timedelta(hours=26)),
        ("24h", timedelta(days=1)),
        ("30m", timedelta(minutes=30)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(minutes=90)),
        ("8s", timedelta(seconds=8)),
        (" 1W ", timedelta(weeks=1)),
    ],
)
def test_approval_timeout_reads_seconds_iso_8601_and_inngest_durations(
    value: str, expected: timedelta, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("APPROVAL_TIMEOUT", value)
    monkeypatch.setenv("APPROVAL_REMINDER", value)

    settings = Settings(_env_file=None)

    assert settings.approval_timeout == expected
    assert settings.approval_reminder == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("1.5", "whole number of seconds"),
        ("soon", "is not a duration"),
        ("24 hours", "is not a duration"),
        ("PT", "is not a duration"),
        ("PT0.5S", "is not a duration"),
        ("0", "longer than zero"),
        ("-5", "is not a duration"),
    ],
)
def test_a_bad_duration_is_refused_naming_the_variable(
    value: str,
    reason: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("APPROVAL_TIMEOUT", value)

    assert main(["db", "upgrade"]) == 2

    error = capsys.readouterr().err
    assert f"APPROVAL_TIMEOUT: '{value}'" in error
    assert reason in error
    assert not list(tmp_path.iterdir())  # refused before anything ran


def test_the_readme_documents_every_duration_form() -> None:
    row = next(
        line for line in README.read_text().splitlines() if line.startswith("| `APPROVAL_TIMEOUT`")
    )

    for form in ("`86400`", "`PT24H`", "`24h`", "`1h30m`", "whole seconds"):
        assert form in row
