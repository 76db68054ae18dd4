"""Unset secrets are generated once, kept owner-only, and never replace a configured one."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from workflows.config import PLACEHOLDER_SECRET, Settings
from workflows.secrets import (
    SecretsError,
    require_signed_serving,
    secrets_path,
    with_generated_secrets,
)


def _settings(tmp_path: Path, **values: str) -> Settings:
    return Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/app.db", **values)  # type: ignore[arg-type]


def test_the_first_start_generates_and_later_starts_reuse_the_same_secrets(
    tmp_path: Path,
) -> None:
    first = with_generated_secrets(_settings(tmp_path))
    again = with_generated_secrets(_settings(tmp_path))

    assert secrets_path(first) == tmp_path / "support-agent.secrets"
    assert stat.S_IMODE((tmp_path / "support-agent.secrets").stat().st_mode) == 0o600
    assert first.engine_signing_key
    assert first.engine_signing_key.startswith("signkey-prod-")
    bytes.fromhex(first.engine_signing_key.removeprefix("signkey-prod-"))  # what the SDK needs
    keys = ("engine_signing_key", "inngest_event_key", "console_secret_key", "front_app_secret")
    assert [getattr(again, k) for k in keys] == [getattr(first, k) for k in keys]


def test_a_configured_secret_wins_over_the_generated_one(tmp_path: Path) -> None:
    with_generated_secrets(_settings(tmp_path))

    settings = with_generated_secrets(_settings(tmp_path, front_app_secret="from-front"))

    assert settings.front_app_secret == "from-front"
    assert settings.front_webhook_secret == "from-front"


def test_an_external_inngest_keeps_its_own_event_key(tmp_path: Path) -> None:
    settings = with_generated_secrets(_settings(tmp_path, inngest_base_url="http://inngest:8288"))

    assert settings.inngest_event_key is None  # the SDK then says it is missing
    assert settings.console_secret_key


def test_reading_without_creating_leaves_a_new_install_without_secrets(tmp_path: Path) -> None:
    settings = with_generated_secrets(_settings(tmp_path), create=False)

    assert settings.console_secret_key is None
    assert not (tmp_path / "support-agent.secrets").exists()
    with pytest.raises(ValueError, match="FRONT_APP_SECRET"):
        _ = settings.front_webhook_secret


def test_a_secrets_file_others_can_read_is_refused(tmp_path: Path) -> None:
    with_generated_secrets(_settings(tmp_path))
    (tmp_path / "support-agent.secrets").chmod(0o644)

    with pytest.raises(SecretsError, match="chmod 600"):
        with_generated_secrets(_settings(tmp_path))


def test_secrets_file_setting_moves_the_file(tmp_path: Path) -> None:
    elsewhere = tmp_path / "keys" / "support.secrets"

    with_generated_secrets(_settings(tmp_path, secrets_file=str(elsewhere)))

    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o600
    assert not (tmp_path / "support-agent.secrets").exists()


@pytest.mark.parametrize(
    "field",
    ["console_secret_key", "front_app_secret", "engine_signing_key", "inngest_event_key"],
)
def test_the_placeholder_is_refused_as_any_secret_in_any_environment(field: str) -> None:
    with pytest.raises(ValidationError, match="public placeholder"):
        Settings(_env_file=None, **{field: PLACEHOLDER_SECRET})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "refused"),
    [
        ({}, True),
        ({"inngest_dev": "1"}, False),
        ({"inngest_dev": "1", "host": "0.0.0.0"}, True),  # noqa: S104
        ({"inngest_dev": "http://127.0.0.1:8288", "host": "::1"}, False),
    ],
)
def test_unsigned_serving_needs_inngest_dev_on_a_loopback_host(
    tmp_path: Path, values: dict[str, str], refused: bool
) -> None:
    settings = _settings(tmp_path, **values)

    if refused:
        with pytest.raises(SecretsError):
            require_signed_serving(settings, signed=False)
    else:
        require_signed_serving(settings, signed=False)
    require_signed_serving(settings, signed=True)
