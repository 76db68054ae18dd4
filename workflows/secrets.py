"""Secrets generated on first start and kept in a file only its owner can read.

A fresh install has no configured secret, and a documented default would be public: anyone could
sign webhooks or function calls with it. So every secret left unset is generated once, written
to the secrets file (mode 0600) and read back on each later start, by every command that needs it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
import stat
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from workflows.config import Settings

log = logging.getLogger(__name__)
SECRETS_FILE_NAME = "support-agent.secrets"
OWNER_ONLY = 0o600

# Each entry: the setting it fills, and how a fresh value is made. Names are the settings'
# environment variables, so the file reads like an env file.
_GENERATORS: dict[str, Callable[[], str]] = {
    "ENGINE_SIGNING_KEY": lambda: f"signkey-prod-{secrets.token_hex(32)}",
    "INNGEST_EVENT_KEY": lambda: secrets.token_hex(32),
    "CONSOLE_SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "FRONT_APP_SECRET": lambda: secrets.token_urlsafe(48),
}

# An external Inngest has keys of its own, which a generated one would only hide.
_ENGINE_KEYS = {"ENGINE_SIGNING_KEY", "INNGEST_EVENT_KEY"}


class SecretsError(Exception):
    """The secrets file cannot be trusted or read; the message says what to do."""


def secrets_path(settings: Settings) -> Path:
    """`SECRETS_FILE`, else next to the SQLite database, else in the working directory."""
    if settings.secrets_file:
        return Path(settings.secrets_file)
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).parent / SECRETS_FILE_NAME
    return Path(SECRETS_FILE_NAME)


def with_generated_secrets(settings: Settings, *, create: bool = True) -> Settings:
    """The settings with every unset secret taken from the secrets file.

    With `create`, the file is made (or completed) on first start; without it, a missing file
    leaves the settings as they are, for commands that only read what `serve` wrote.
    """
    path = secrets_path(settings)
    stored = _read(path)
    if create and set(_GENERATORS) - set(stored):
        fresh = {name: stored.get(name) or make() for name, make in _GENERATORS.items()}
        # Two processes starting at once (`serve` and `engine`) must end up with one set.
        if _write(path, fresh, replace=bool(stored)):
            log.info("generated the missing secrets into %s (mode 600)", path)
            stored = fresh
        else:
            stored = _read(path)
    wanted = set(_GENERATORS) if settings.embedded_engine else set(_GENERATORS) - _ENGINE_KEYS
    unset = {
        name.lower(): value
        for name, value in stored.items()
        if name in wanted and not getattr(settings, name.lower())  # empty counts as unset
    }
    return settings.model_copy(update=unset)


def require_signed_serving(settings: Settings, *, signed: bool) -> None:
    """Refuse to serve `/api/inngest` unsigned, except under `INNGEST_DEV` on a loopback host.

    Unsigned, the SDK runs whatever a caller sends, step results included: anyone who reaches
    the port could replay a run with made-up data.
    """
    if signed:
        return
    if not settings.inngest_dev:
        raise SecretsError(
            "the Inngest endpoint would accept unsigned calls: set ENGINE_SIGNING_KEY (or let "
            "`support-agent serve` generate one), or INNGEST_DEV for a local dev server"
        )
    if not _is_loopback(settings.host):
        raise SecretsError(
            f"INNGEST_DEV serves function calls unsigned; HOST={settings.host} would expose "
            "them beyond this machine: use 127.0.0.1, or a signed Inngest"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _read(path: Path) -> dict[str, str]:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {}
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise SecretsError(
            f"{path} is readable by other users (mode {stat.S_IMODE(mode):o}); "
            f"run `chmod 600 {path}` and check who may have read it"
        )
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#"):
            values[name.strip()] = value.strip()
    return values


def _write(path: Path, values: dict[str, str], *, replace: bool) -> bool:
    """Write the file; False when another process created it first (then theirs stands)."""
    # Written to a new 0600 file, then moved: the secrets are never readable by others, not
    # even for a moment, and a crash leaves either the old file or the new one.
    lines = ["# Generated by support-agent on first start. Keep private; back up with the data."]
    lines += [f"{name}={value}" for name, value in values.items()]
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, OWNER_ONLY)
    with os.fdopen(descriptor, "w") as file:
        file.write("\n".join(lines) + "\n")
    if replace:
        os.replace(partial, path)
        return True
    try:
        os.link(partial, path)  # unlike a rename, fails when the file already exists
    except FileExistsError:
        return False
    finally:
        os.unlink(partial)
    return True
