"""Secrets the tests configure explicitly, as an operator would: nothing runs on a default."""

from __future__ import annotations

from typing import Any

SIGNING_KEY = "signkey-test-" + "5e" * 32
EVENT_KEY = "test-key"
CONSOLE_SECRET_KEY = "console-test-secret"
FRONT_APP_SECRET = "front-test-secret"

# Settings fields, for `Settings(**SECRETS)` and `settings.model_copy(update=SECRETS)`.
SECRETS: dict[str, Any] = {
    "engine_signing_key": SIGNING_KEY,
    "inngest_event_key": EVENT_KEY,
    "console_secret_key": CONSOLE_SECRET_KEY,
    "front_app_secret": FRONT_APP_SECRET,
}
