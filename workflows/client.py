"""The Inngest client, configured for the embedded engine, a dev server or Inngest Cloud."""

from __future__ import annotations

import logging

import inngest

from workflows.config import Settings


def create_inngest_client(settings: Settings) -> inngest.Inngest:
    """Build the client that serves our functions and sends our events."""
    logger = logging.getLogger("support_agent.inngest")
    if settings.embedded_engine:
        signed = settings.engine_signing_key is not None
        return inngest.Inngest(
            app_id=settings.inngest_app_id,
            api_base_url=settings.engine_url,
            event_api_base_url=settings.engine_url,
            event_key=settings.inngest_event_key or "embedded",
            signing_key=settings.engine_signing_key,
            is_production=signed,
            logger=logger,
        )
    external = settings.external_inngest_url
    return inngest.Inngest(
        app_id=settings.inngest_app_id,
        api_base_url=external,
        event_api_base_url=external,
        event_key=settings.inngest_event_key,
        signing_key=settings.inngest_signing_key,
        # Only a dev server runs unsigned; Cloud and self-hosted `inngest start` sign every call.
        is_production=settings.inngest_base_url is not None or external is None,
        logger=logger,
    )
