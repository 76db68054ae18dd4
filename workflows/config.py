"""One settings object, read from the environment once and passed down."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRET = "change-me"  # noqa: S105 - the documented placeholder, refused in production


class Settings(BaseSettings):
    """Everything the app reads from its environment; the defaults are the embedded mode."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    app_env: Literal["development", "production"] = "development"
    database_url: str = "sqlite+aiosqlite:///./support-agent.db"
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    log_level: str = "INFO"

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
    front_api_url: str = "https://api2.frontapp.com"

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    slack_approval_channel: str | None = None
    slack_approver_ids: str = ""

    approval_timeout: timedelta = Field(default=timedelta(hours=24))
    console_secret_key: str = PLACEHOLDER_SECRET

    @model_validator(mode="after")
    def _refuse_placeholder_secret_in_production(self) -> Settings:
        if self.app_env == "production" and self.console_secret_key == PLACEHOLDER_SECRET:
            raise ValueError("CONSOLE_SECRET_KEY must be set to a real secret in production")
        return self

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
