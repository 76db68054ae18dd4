"""How long `support-agent serve` takes to be ready: from starting the process to `/healthz`
answering `ready: true` (the embedded engine has synced the app's functions).

    python bench/serve.py --starts 5

Each start uses a new SQLite file (so it includes creating and migrating the database) and
free ports; `/healthz` is polled every 10 ms.
"""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

GOAL_SECONDS = 3.0
LIMIT_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def one_start(folder: Path) -> float:
    """Seconds from spawning `serve` to its first ready `/healthz`."""
    port, engine_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'serve.db'}",
        "PORT": str(port),
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "ENGINE_PORT": str(engine_port),
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "console.cli", "serve"]
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own CLI
        command, env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        with httpx.Client(timeout=1.0) as http:
            while time.perf_counter() - started < LIMIT_SECONDS:
                if process.poll() is not None:
                    raise RuntimeError(f"serve exited with {process.returncode}")
                try:
                    if http.get(f"http://127.0.0.1:{port}/healthz").json().get("ready"):
                        return time.perf_counter() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
        raise RuntimeError("serve was not ready in time")
    finally:
        process.terminate()
        process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--starts", type=int, default=5)
    args = parser.parse_args()
    times = []
    for _ in range(args.starts):
        with tempfile.TemporaryDirectory() as folder:
            times.append(one_start(Path(folder)))
    command = shlex.join(["python", "bench/serve.py", *sys.argv[1:]])
    print(f"$ {command}")
    print(f"serve ready after start, {args.starts} starts, new SQLite file each; s")
    print(f"{'median':>8}{'min':>8}{'max':>8}")
    print(f"{statistics.median(times):>8.2f}{min(times):>8.2f}{max(times):>8.2f}")
    verdict = "met" if statistics.median(times) <= GOAL_SECONDS else "missed"
    print(f"goal: ready <= {GOAL_SECONDS:.0f} s after start (median): {verdict}")


if __name__ == "__main__":
    main()
