"""`support-agent serve` as its own process, configured as a new install: no secret set."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.engine.harness import free_port
from workflows.config import Settings

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_LIMIT = 60.0  # seconds for a fresh interpreter to migrate, serve and sync its engine


@dataclass
class Served:
    """A running server: where it listens, where its files are, and what it logged."""

    directory: Path
    environment: dict[str, str]
    app_url: str
    engine_url: str
    log_path: Path

    @property
    def database(self) -> Path:
        return self.directory / "support-agent.db"

    @property
    def secrets_file(self) -> Path:
        return self.directory / "support-agent.secrets"

    def secret(self, name: str) -> str:
        """A value `serve` generated, read the way an operator would: from the file."""
        for line in self.secrets_file.read_text().splitlines():
            if line.startswith(f"{name}="):
                return line.split("=", 1)[1]
        raise KeyError(name)

    def count(self, table: str, where: str = "1 = 1") -> int:
        with contextlib.closing(sqlite3.connect(self.database)) as connection:
            query = f"SELECT count(*) FROM {table} WHERE {where}"  # noqa: S608 - the tests' own text
            return int(connection.execute(query).fetchone()[0])

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def environment_for(directory: Path, **overrides: str) -> dict[str, str]:
    """A new install in `directory`: the developer's own settings are left out."""
    settings = {name.upper() for name in Settings.model_fields}
    inherited = {k: v for k, v in os.environ.items() if k not in settings and k != "PYTHONPATH"}
    port = free_port()
    return {
        **inherited,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": f"sqlite+aiosqlite:///{directory / 'support-agent.db'}",
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ENGINE_PORT": str(free_port()),
        "KNOWLEDGE_DIR": str(directory / "knowledge"),
        "LOG_LEVEL": "INFO",
        **overrides,
    }


def run_command(
    environment: dict[str, str], *args: str, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """`support-agent <args>` to completion, in the install's directory."""
    directory = Path(environment["KNOWLEDGE_DIR"]).parent
    return subprocess.run(
        [sys.executable, "-m", "console.cli", *args],
        cwd=directory,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


class ServeProcess:
    """Start `support-agent serve`, wait until its engine has synced, stop it with SIGTERM."""

    def __init__(self, directory: Path) -> None:
        self.environment = environment_for(directory)
        self.served = Served(
            directory=directory,
            environment=self.environment,
            app_url=self.environment["PUBLIC_URL"],
            engine_url=f"http://127.0.0.1:{self.environment['ENGINE_PORT']}",
            log_path=directory / "serve.log",
        )
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> Served:
        with self.served.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [sys.executable, "-m", "console.cli", "serve"],
                cwd=self.served.directory,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + READY_LIMIT
        with httpx.Client(timeout=2.0) as http:
            while not self._ready(http):
                if time.monotonic() > deadline:
                    self.stop()
                    raise AssertionError(f"serve not ready:\n{self.served.log()[-4000:]}")
                time.sleep(0.1)
        return self.served

    def _ready(self, http: httpx.Client) -> bool:
        assert self._process is not None
        if self._process.poll() is not None:
            raise AssertionError(f"serve exited:\n{self.served.log()[-4000:]}")
        try:
            app = http.get(f"{self.served.app_url}/healthz")
            engine = http.get(f"{self.served.engine_url}/health")
        except httpx.TransportError:
            return False
        return app.status_code == 200 and engine.json().get("functions", 0) > 0

    def stop(self) -> None:
        if self._process is None:
            return
        process, self._process = self._process, None
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
