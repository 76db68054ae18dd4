"""`support-agent serve` as a subprocess, configured by its environment and killed with SIGKILL."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from workflows.config import Settings

# The venv's console script: what an operator runs.
CLI = str(Path(sys.executable).with_name("support-agent"))
READY_LIMIT = 60.0  # seconds for a fresh interpreter to import, migrate and answer
POLL_INTERVAL = 0.02


def clean_environment(values: dict[str, str]) -> dict[str, str]:
    """The caller's environment without any setting or Inngest variable, then `values`."""
    names = {name.upper() for name in Settings.model_fields}
    kept = {
        name: value
        for name, value in os.environ.items()
        if name.upper() not in names and not name.upper().startswith("INNGEST_")
    }
    return kept | values


class ServeProcess:
    """One `serve` at a time on fixed ports and one database; `restart` keeps all three."""

    def __init__(self, *, environment: dict[str, str], workdir: Path, log_path: Path) -> None:
        self.environment = environment
        self.workdir = workdir
        self.log_path = log_path
        self.url = environment["PUBLIC_URL"]
        self.engine_url = f"http://{environment['ENGINE_HOST']}:{environment['ENGINE_PORT']}"
        self.starts = 0
        self._process: subprocess.Popen[bytes] | None = None

    async def command(self, *args: str, stdin: str | None = None) -> str:
        """Run another `support-agent` command with the same environment; fails loudly."""
        process = await asyncio.create_subprocess_exec(
            CLI,
            *args,
            cwd=self.workdir,
            env=self.environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        out, _ = await process.communicate(stdin.encode() if stdin is not None else None)
        assert process.returncode == 0, f"support-agent {' '.join(args)}:\n{out.decode()}"
        return out.decode()

    def launch(self) -> None:
        """Start `serve` and return at once, before it answers anything."""
        assert self._process is None, "the previous server is still running"
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts} at {time.time():.3f}\n".encode())
            log.flush()
            # Popen returns once the child exists; it never waits on the server itself.
            self._process = subprocess.Popen(
                [CLI, "serve"],
                cwd=self.workdir,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def check_alive(self) -> None:
        assert self._process is not None, "the server is not running"
        if self._process.poll() is not None:
            raise AssertionError(f"serve exited with {self._process.returncode}:\n{self.log()}")

    async def start(self, http: httpx.AsyncClient) -> None:
        """Start `serve` and return once `/healthz` says it is ready."""
        self.launch()
        try:
            async with asyncio.timeout(READY_LIMIT):
                while not await self._healthy(http):  # noqa: ASYNC110 - another process: poll it
                    await asyncio.sleep(POLL_INTERVAL)
        except TimeoutError:
            self.kill()
            raise AssertionError(f"serve not ready in {READY_LIMIT}s:\n{self.log()}") from None

    async def _healthy(self, http: httpx.AsyncClient) -> bool:
        """Ready by `/healthz`, and the embedded engine knows the app's functions, where its
        `/health` says so (other tests cover a server that answers before it is ready)."""
        self.check_alive()
        try:
            app = await http.get(f"{self.url}/healthz")
            engine = await http.get(f"{self.engine_url}/health")
        except httpx.TransportError:
            return False
        if app.status_code != 200 or app.json().get("ready", True) is not True:
            return False
        return engine.status_code != 200 or int(engine.json().get("functions", 1)) > 0

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
        return self.log_path.read_text(errors="replace")[-6000:]
