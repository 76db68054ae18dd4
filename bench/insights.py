"""How long the insights page and a /metrics scrape take over a desk's history.

    python bench/insights.py --conversations 20000 [--postgres postgresql+asyncpg://...]

Seeds that many conversations over 90 days (one agent run, one action and one sent reply each),
then times GET /console/insights for the last 30 days, for every app, and GET /metrics (since
the database began), each the median of five, through the real app in-process.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from console.app import create_app
from tests.console.web.conftest import PASSWORD, PASSWORD_HASH, sign_in
from tests.engine.databases import scratch_database
from tests.keys import SECRETS
from workflows.config import Settings
from workflows.store import upgrade_database
from workflows.store.models import Action, AgentRun, SentDraft
from workflows.store.users import create_user

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
STATUSES = ("executed", "executed", "rejected", "expired", "failed", "pending")
TOKEN = "bench-token"  # noqa: S105 - a throwaway token for a scratch database
TIMES = 5


def _rows(n: int) -> list[object]:
    at = NOW - timedelta(minutes=(n * 37) % (90 * 24 * 60))
    cid = f"cnv_{n}"
    status = STATUSES[n % len(STATUSES)]
    return [
        AgentRun(
            id=f"run_{n}",
            conversation_id=cid,
            app_id=f"app{n % 3}",
            model="offline",
            outcome="drafted",
            turns=3,
            input_tokens=1500,
            output_tokens=300,
            cache_read_input_tokens=0,
            cache_creation_input_tokens=0,
            cost_usd=0.01,
            created_at=at,
        ),
        Action(
            id=f"act_{n}",
            app_id=f"app{n % 3}",
            conversation_id=cid,
            run_id=f"run_{n}",
            tool="refund_purchase",
            params={"purchase_id": "p", "amount_cents": 900 + n % 5000, "reason": "asked"},
            verdict="auto" if n % 4 == 0 else "needs_approval",
            status=status,
            decided_at=None if status in ("pending", "expired") else at + timedelta(minutes=n % 90),
            created_at=at,
            updated_at=at,
        ),
        SentDraft(
            draft_id=f"drf_{n}",
            app_id=f"app{n % 3}",
            conversation_id=cid,
            run_id=f"run_{n}",
            agent_text="Hi,\nA refund has been issued.\nBest",
            sent_text="Hi,\nA refund has been issued.\nBest" if n % 3 else "Done. Sam",
            edit_ratio=0.0 if n % 3 else 0.7,
            source="local",
            sent_at=at,
        ),
    ]


async def _median_ms(client: httpx.AsyncClient, path: str, **headers: str) -> float:
    times = []
    for _ in range(TIMES):
        started = time.perf_counter()
        (await client.get(path, headers=headers)).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


@contextlib.asynccontextmanager
async def _database(postgres: str | None) -> AsyncIterator[str]:
    if postgres:
        async with scratch_database(postgres) as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite+aiosqlite:///{directory}/bench.db"


async def bench(conversations: int, postgres: str | None) -> None:
    async with _database(postgres) as url:
        await upgrade_database(url)
        settings = Settings(_env_file=None, database_url=url, metrics_token=TOKEN, **SECRETS)
        app = create_app(settings, clock=lambda: NOW)
        async with app.router.lifespan_context(app):
            async with app.state.sessions.begin() as session:
                await create_user(
                    session=session,
                    email="lead@example.com",
                    role="viewer",
                    password_hash=PASSWORD_HASH,
                    now=NOW,
                )
                for n in range(conversations):
                    session.add_all(_rows(n))
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                await sign_in(client, "lead@example.com", PASSWORD)
                start = (NOW - timedelta(days=29)).date().isoformat()
                page = await _median_ms(client, f"/console/insights?from={start}")
                scrape = await _median_ms(client, "/metrics", authorization=f"Bearer {TOKEN}")
    kind = "PostgreSQL" if postgres else "SQLite"
    print(f"{conversations} conversations over 90 days, {kind}")
    print(f"  /console/insights (30 days, every app): {page:.0f} ms median of {TIMES}")
    print(f"  /metrics (all time):                    {scrape:.0f} ms median of {TIMES}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--postgres", help="a PostgreSQL URL to create a scratch database next to")
    args = parser.parse_args()
    asyncio.run(bench(args.conversations, args.postgres))


if __name__ == "__main__":
    main()
