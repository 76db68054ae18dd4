"""The engine as its own process (`python -m workflows.engine`), started, killed and restarted."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_LIMIT = 30.0  # seconds for a fresh interpreter to import, migrate and sync
POLL_INTERVAL = 0.05


class EngineProcess:
    """One engine subprocess at a time on a fixed port and database; `restart` keeps both."""

    def __init__(
        self,
        *,
        database_url: str,
        app_url: str,
        port: int,
        log_path: Path,
        keys: tuple[str, str] | None = None,
    ) -> None:
        self.database_url = database_url
        self.keys = keys  # signing key and event key, for an app that serves only signed calls
        self.app_url = app_url
        self.port = port
        self.log_path = log_path
        self.url = f"http://127.0.0.1:{port}"
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None

    async def start(self, http: httpx.AsyncClient) -> None:
        """Launch the engine and return once it serves and knows at least one function."""
        assert self._process is None, "the previous engine is still running"
        self.starts += 1
        command = [
            sys.executable,
            "-m",
            "workflows.engine",
            "--database-url",
            self.database_url,
            "--app-url",
            self.app_url,
            "--port",
            str(self.port),
        ]
        if self.keys:
            command += ["--signing-key", self.keys[0], "--event-key", self.keys[1]]
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            log.flush()
            # Popen returns once the child exists; it never waits on the engine itself
            self._process = subprocess.Popen(  # noqa: ASYNC220
                command, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            async with asyncio.timeout(READY_LIMIT):
                while not await self._ready(http):  # noqa: ASYNC110 - another process: poll it
                    await asyncio.sleep(POLL_INTERVAL)
        except TimeoutError:
            self.kill()
            raise AssertionError(f"engine not ready in {READY_LIMIT}s:\n{self.log()}") from None

    async def _ready(self, http: httpx.AsyncClient) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            raise AssertionError(f"engine exited with {self._process.returncode}:\n{self.log()}")
        try:
            response = await http.get(f"{self.url}/health")
        except httpx.TransportError:
            return False
        return response.status_code == 200 and int(response.json()["functions"]) > 0

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when the machine loses power."""
        if self._process is None:
            return
        process, self._process = self._process, None
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
        process.wait()

    async def restart(self, http: httpx.AsyncClient) -> None:
        self.kill()
        await self.start(http)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]


@contextlib.asynccontextmanager
async def engine_process(
    *,
    database_url: str,
    app_url: str,
    port: int,
    log_path: Path,
    http: httpx.AsyncClient,
    keys: tuple[str, str] | None = None,
) -> AsyncIterator[EngineProcess]:
    """A started engine subprocess that is always killed on the way out."""
    engine = EngineProcess(
        database_url=database_url, app_url=app_url, port=port, log_path=log_path, keys=keys
    )
    try:
        await engine.start(http)
        yield engine
    finally:
        engine.kill()
