"""`/healthz` proves the database takes a write, and a file read-only at start recovers."""

from __future__ import annotations

from pathlib import Path

from tests.console.conftest import AppClient
from tests.keys import SECRETS
from tests.read_only import read_only
from workflows.config import Settings
from workflows.store import upgrade_database


async def test_a_database_read_only_at_start_is_unhealthy_until_writable_without_a_restart(
    app_client: AppClient, tmp_path: Path
) -> None:
    path = tmp_path / "app.db"
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{path}", **SECRETS)
    await upgrade_database(settings.database_url)

    async with app_client(settings) as client:
        with read_only(path):
            # The app's first connection opens while the file cannot be written.
            refused = await client.get("/healthz")
        recovered = await client.get("/healthz")

    assert refused.status_code == 503
    assert refused.json() == {"ok": False, "ready": True, "db": False, "error": "OperationalError"}
    assert recovered.status_code == 200
    assert recovered.json() == {"ok": True, "ready": True, "db": True}
