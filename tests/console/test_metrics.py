"""`/metrics`: the insights figures in Prometheus' format, for a bearer token only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from console.app import create_app
from tests.console.web.insights_seed import seed_desk
from tests.keys import SECRETS
from workflows.config import Settings
from workflows.store import upgrade_database

TOKEN = "metrics-token-for-tests"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@asynccontextmanager
async def _client(
    database_url: str, metrics_token: str | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    await upgrade_database(database_url)
    settings = Settings(
        _env_file=None, database_url=database_url, metrics_token=metrics_token, **SECRETS
    )
    app = create_app(settings)
    await seed_desk(app.state.sessions, NOW)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        yield client


@pytest.fixture
async def scraper(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with _client(database_url, metrics_token=TOKEN) as client:
        yield client


def _samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample, keyed by name and sorted labels, as Prometheus' own parser reads them."""
    samples: list[Sample] = [
        sample for family in text_string_to_metric_families(text) for sample in family.samples
    ]
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for s in samples}


async def test_a_scrape_parses_and_carries_the_insights_figures(
    scraper: httpx.AsyncClient,
) -> None:
    response = await scraper.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples = _samples(response.text)
    demo = ("app", "demo")
    for outcome in ("auto", "approved", "rejected", "edited", "expired", "failed"):
        assert samples[("support_agent_actions_total", (demo, ("outcome", outcome)))] == 1
    assert samples[("support_agent_approvals_pending", (demo,))] == 1
    assert samples[("support_agent_messages_total", (demo, ("triage", "unclassified")))] == 2
    assert samples[("support_agent_messages_total", (demo, ("triage", "support")))] == 1
    assert samples[("support_agent_messages_total", (demo, ("triage", "automated")))] == 1
    assert samples[("support_agent_refunded_total", (demo, ("currency", "USD")))] == 254.0
    assert samples[("support_agent_model_cost_usd_total", (demo,))] == pytest.approx(0.2)
    assert samples[("support_agent_conversations_total", (demo,))] == 4
    assert samples[("support_agent_drafts_sent_total", (demo, ("edited", "false")))] == 2
    assert samples[("support_agent_drafts_sent_total", (demo, ("edited", "true")))] == 1
    histogram = "support_agent_time_to_decision_seconds"
    assert samples[(f"{histogram}_count", (demo,))] == 3
    assert samples[(f"{histogram}_bucket", (demo, ("le", "900.0")))] == 1  # the 10-minute one
    assert samples[(f"{histogram}_bucket", (demo, ("le", "14400.0")))] == 2
    assert samples[(f"{histogram}_bucket", (demo, ("le", "+Inf")))] == 3
    assert samples[(f"{histogram}_sum", (demo,))] == 600 + 7200 + 86400


async def test_without_the_token_nothing_is_shown(scraper: httpx.AsyncClient) -> None:
    missing = await scraper.get("/metrics")
    wrong = await scraper.get("/metrics", headers={"authorization": "Bearer guess"})

    assert missing.status_code == wrong.status_code == 401
    assert missing.headers["www-authenticate"] == "Bearer"
    assert "support_agent" not in missing.text + wrong.text


async def test_metrics_are_off_until_a_token_is_set(database_url: str) -> None:
    async with _client(database_url) as client:
        response = await client.get("/metrics", headers={"authorization": "Bearer "})

        assert response.status_code == 404
        assert "METRICS_TOKEN" in response.text
