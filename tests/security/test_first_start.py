"""A new install has secrets nobody else knows, and refuses the ones everybody knows."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.security.server import Served, environment_for, run_command

GENERATED = ["ENGINE_SIGNING_KEY", "INNGEST_EVENT_KEY", "CONSOLE_SECRET_KEY", "FRONT_APP_SECRET"]


def test_the_first_start_writes_its_secrets_readable_by_the_owner_only(served: Served) -> None:
    mode = stat.S_IMODE(served.secrets_file.stat().st_mode)

    assert mode == 0o600
    values = [served.secret(name) for name in GENERATED]
    assert served.secret("ENGINE_SIGNING_KEY").startswith("signkey-prod-")
    assert len(set(values)) == len(values)
    assert all(len(value) >= 32 for value in values)


def test_the_secrets_never_appear_in_the_log(served: Served) -> None:
    log = served.log()

    assert "support-agent.secrets" in log  # the operator is told where they are
    for name in GENERATED:
        assert served.secret(name) not in log


def test_doctor_reads_the_keys_and_reports_the_signed_engine_and_a_ping_ok(
    served: Served,
) -> None:
    result = run_command(served.environment, "doctor", "--timeout", "30")

    lines = dict(line.split(maxsplit=1) for line in result.stdout.splitlines())
    assert lines["engine"].startswith("ok"), result.stdout + result.stderr
    assert lines["ping"].startswith("ok"), result.stdout + result.stderr
    assert result.returncode == 0
    assert served.secret("INNGEST_EVENT_KEY") not in result.stdout + result.stderr


def test_simulate_signs_with_the_generated_secret_and_no_key_reaches_the_log(
    served: Served,
) -> None:
    result = run_command(
        served.environment, "simulate", "inbound", "--subject", "Hello", "--body", "Hi there"
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "202 Accepted" in result.stdout
    log = served.log()
    assert "/e/[redacted]" in log  # the app's own request line, as httpx logs it
    assert served.secret("INNGEST_EVENT_KEY") not in log + result.stderr
    assert served.secret("FRONT_APP_SECRET") not in log + result.stderr


def test_the_public_placeholder_is_refused_as_a_secret(tmp_path: Path) -> None:
    environment = environment_for(tmp_path, CONSOLE_SECRET_KEY="change-me")

    result = run_command(environment, "serve")

    assert result.returncode == 2
    assert "CONSOLE_SECRET_KEY is the public placeholder" in result.stderr
    assert not (tmp_path / "support-agent.db").exists()


def test_an_unsigned_dev_server_set_up_is_refused_beyond_loopback(tmp_path: Path) -> None:
    environment = environment_for(tmp_path, INNGEST_DEV="http://127.0.0.1:1", HOST="0.0.0.0")  # noqa: S104

    result = run_command(environment, "serve")

    assert result.returncode == 2
    assert "unsigned" in result.stderr
    assert not (tmp_path / "support-agent.db").exists()
