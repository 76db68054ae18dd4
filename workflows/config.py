"""One settings object, read from the environment once and passed down."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from workflows.durations import Duration

PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - an old documented placeholder, always refused


class Settings(BaseSettings):
    """Everything the app reads from its environment; the defaults are the embedded mode."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_env: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./support-agent.db"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"
    # `json`: one JSON object per log line, for log collectors.
    log_format: Literal["text", "json"] = "text"
    # Bearer token that may read /metrics; unset, /metrics is off.
    metrics_token: str | None = None

    # Inngest: set INNGEST_BASE_URL / INNGEST_DEV (a URL) or Cloud keys to use a real Inngest.
    inngest_app_id: str = "support-agent"
    inngest_base_url: str | None = None
    inngest_dev: str | None = None
    inngest_signing_key: str | None = None
    inngest_event_key: str | None = None

    # The embedded engine, used when no external Inngest is configured.
    engine_host: str = "127.0.0.1"
    engine_port: int = 8288
    engine_database_url: str | None = None
    engine_signing_key: str | None = None
    engine_workers: int = 32

    anthropic_api_key: str | None = None
    anthropic_model: str = "claude-sonnet-4-6"
    anthropic_base_url: str | None = None

    front_api_token: str | None = None
    front_app_secret: str | None = None
    # Set to accept Front rule webhooks too (HMAC-SHA1 of the body, no timestamp).
    front_rule_webhook_secret: str | None = None
    front_api_url: str = "https://api2.frontapp.com"

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_approval_channel: str | None = None
    slack_approver_ids: str = ""

    # Product knowledge the agent may search: <KNOWLEDGE_DIR>/<app id>.md per app.
    knowledge_dir: str = "./knowledge"
    # Seed the built-in demo app (inbox inb_demo) at start; turn off once real apps exist.
    demo_app: bool = True

    # Seconds, ISO 8601 or Inngest-style (`24h`, `1h30m`); whole seconds only (workflows.durations).
    approval_timeout: Duration = Field(default=timedelta(hours=24))
    # Remind approvers in the card's thread this long before an action expires; unset, never.
    approval_reminder: Duration | None = None
    # Unset: generated on first start into SECRETS_FILE (see workflows/secrets.py).
    console_secret_key: str | None = None
    secrets_file: str | None = None

    @model_validator(mode="after")
    def _refuse_unsafe_production_config(self) -> Settings:
        for name in _SECRET_FIELDS:
            if getattr(self, name) == PLACEHOLDER_SECRET:
                raise ValueError(f"{name.upper()} is the public placeholder; set a real secret")
        # Each replica would generate its own key, and sessions would not survive a hop.
        if self.app_env == "production" and not self.console_secret_key:
            raise ValueError("CONSOLE_SECRET_KEY must be set to a real secret in production")
        if self.app_env == "production" and self.front_api_token and not self.front_app_secret:
            raise ValueError("FRONT_APP_SECRET must be set when FRONT_API_TOKEN is")
        return self

    @property
    def front_webhook_secret(self) -> str:
        """The app-webhook secret: Front's, or the one generated into SECRETS_FILE."""
        if not self.front_app_secret:
            raise ValueError("FRONT_APP_SECRET is unset and no generated secret was loaded")
        return self.front_app_secret

    @property
    def external_inngest_url(self) -> str | None:
        """The URL of a real Inngest server, when one is configured."""
        if self.inngest_base_url:
            return self.inngest_base_url
        if self.inngest_dev and self.inngest_dev.startswith(("http://", "https://")):
            return self.inngest_dev
        return None

    @property
    def uses_inngest_cloud(self) -> bool:
        return self.external_inngest_url is None and self.inngest_signing_key is not None

    @property
    def embedded_engine(self) -> bool:
        """True when the app must run its own engine: no dev server, no Cloud."""
        return self.external_inngest_url is None and not self.uses_inngest_cloud

    @property
    def engine_url(self) -> str:
        return f"http://{self.engine_host}:{self.engine_port}"

    @cached_property
    def serve_url(self) -> str:
        """Where an Inngest server reaches this app's functions."""
        return f"{self.public_url.rstrip('/')}/api/inngest"


_SECRET_FIELDS = (
    "console_secret_key",
    "front_app_secret",
    "front_rule_webhook_secret",
    "slack_signing_secret",
    "engine_signing_key",
    "inngest_signing_key",
    "inngest_event_key",
    "metrics_token",
)
