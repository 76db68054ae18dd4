"""The `support-agent` command line, run in-process and as a real server process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx
import pytest

from console.cli import main
from tests.stand_in import StandIn
from workflows.store import current_revision, head_revision

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A clean environment for the command: a temporary database and free ports, no `.env`."""
    monkeypatch.chdir(tmp_path)
    env = {
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}",
        "PORT": str(_free_port()),
        "ENGINE_PORT": str(_free_port()),
    }
    env["PUBLIC_URL"] = f"http://127.0.0.1:{env['PORT']}"
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["engine"],
        ["db"],
        ["db", "upgrade"],
        ["doctor"],
        ["apps"],
        ["apps", "add"],
        ["apps", "list"],
        ["simulate"],
        ["simulate", "inbound"],
    ],
)
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])

    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: support-agent {' '.join(command)}".strip())


def test_db_upgrade_migrates_the_configured_database(
    environment: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "upgrade"]) == 0

    assert capsys.readouterr().out == f"database at revision {head_revision()}\n"
    assert asyncio.run(current_revision(environment["DATABASE_URL"])) == head_revision()


def test_doctor_prints_a_line_per_part_and_fails_when_nothing_runs(
    environment: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["doctor", "--timeout", "0"]) == 1

    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [
        "database",
        "engine",
        "ping",
        "anthropic",
        "front",
        "slack",
    ]
    assert lines[0].startswith("database  failing: ")
    assert lines[1].startswith("engine    failing: embedded engine unreachable")


def test_a_bad_configuration_is_refused_before_anything_runs(
    environment: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("APP_ENV", "production")

    assert main(["db", "upgrade"]) == 2

    assert "CONSOLE_SECRET_KEY" in capsys.readouterr().err
    assert not Path(environment["DATABASE_URL"].split("///", 1)[1]).exists()


async def test_serve_migrates_runs_the_engine_and_doctor_sees_a_ping_complete(
    environment: dict[str, str],
) -> None:
    server = await _start(["serve"], environment)
    try:
        console = f"console at {environment['PUBLIC_URL']}/console/".encode()
        await _read_until(server, console)
        await _read_until(server, b"support-agent users add --email you@example.com --role admin")
        # The engine registers the app's functions once both servers are up.
        await _read_until(server, b'"PUT /api/inngest HTTP/1.1" 200')
        doctor = await _start(["doctor", "--timeout", "30"], environment, logs_to_stdout=False)
        async with asyncio.timeout(60):
            report, logs = await doctor.communicate()
        server.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            server_exit = await server.wait()
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()

    lines = report.decode().splitlines()
    assert doctor.returncode == 0, (report + logs).decode()
    assert lines[0] == f"database  ok: at revision {head_revision()}"
    assert (
        lines[1]
        == f"engine    ok: embedded engine at http://127.0.0.1:{environment['ENGINE_PORT']}"
    )
    assert lines[2].startswith("ping      ok: run ")
    assert server_exit == 0


async def test_serve_with_an_external_inngest_runs_the_web_app_alone(
    environment: dict[str, str], stand_in: StandIn
) -> None:
    external = {**environment, "INNGEST_DEV": stand_in.url}
    server = await _start(["serve"], external)
    try:
        await _read_until(server, b"Uvicorn running on")
        async with httpx.AsyncClient() as http:
            health = await http.get(f"{environment['PUBLIC_URL']}/healthz")
            with pytest.raises(httpx.ConnectError):
                await http.get(f"http://127.0.0.1:{environment['ENGINE_PORT']}/v1/runs/x")
        server.send_signal(signal.SIGTERM)
        async with asyncio.timeout(30):
            server_exit = await server.wait()
    finally:
        if server.returncode is None:
            server.kill()
            await server.wait()

    assert health.json() == {"ok": True, "ready": True, "db": True}
    assert server_exit == 0


async def _start(
    args: list[str], environment: dict[str, str], *, logs_to_stdout: bool = True
) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "console.cli",
        *args,
        cwd=REPO,
        env={**os.environ, **environment},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT if logs_to_stdout else asyncio.subprocess.PIPE,
    )


async def _read_until(process: asyncio.subprocess.Process, marker: bytes) -> None:
    assert process.stdout is not None
    seen = b""
    async with asyncio.timeout(30):
        while marker not in seen:
            line = await process.stdout.readline()
            if not line:
                raise AssertionError(f"server exited before {marker!r}:\n{seen.decode()}")
            seen += line
