"""Sign-in under load: guesses sent at once are throttled as strictly as guesses sent in turn,
and checking passwords never stalls the rest of the app."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from console.web.password_checks import Busy, PasswordChecks
from console.web.passwords import hash_password
from tests.console.served import serving
from tests.console.web.conftest import EMAILS, PASSWORD, Console, csrf_of, sign_in
from workflows.config import Settings
from workflows.store import upgrade_database

# Far above a health check's usual few milliseconds, far below the seconds twenty argon2
# checks on the event loop would hold every request.
HEALTHZ_BOUND_SECONDS = 2.0


async def test_thirty_wrong_passwords_at_once_get_five_checks(console: Console) -> None:
    client = console.client()
    token = csrf_of((await client.get("/console/login")).text)

    async def guess(number: int) -> int:
        data = {"email": EMAILS["viewer"], "password": f"guess {number}", "csrf_token": token}
        return (await client.post("/console/login", data=data)).status_code

    statuses = await asyncio.gather(*(guess(number) for number in range(30)))

    assert statuses.count(401) == 5  # checked, and wrong
    assert statuses.count(429) == 25  # refused before any check
    assert (await sign_in(client, EMAILS["viewer"], PASSWORD)).status_code == 429


async def test_twenty_bogus_sign_ins_leave_healthz_answering_fast(settings: Settings) -> None:
    await upgrade_database(settings.database_url)
    async with (
        serving(settings) as (host, port),
        httpx.AsyncClient(base_url=f"http://{host}:{port}", timeout=60) as client,
    ):
        token = csrf_of((await client.get("/console/login")).text)
        assert (await client.get("/healthz")).status_code == 200

        async def bogus(number: int) -> int:
            # Twenty different emails: the throttle lets each one through to a password check.
            data = {"email": f"nobody{number}@example.com", "password": "x", "csrf_token": token}
            return (await client.post("/console/login", data=data)).status_code

        sign_ins = [asyncio.create_task(bogus(number)) for number in range(20)]
        latencies: list[float] = []
        while not all(task.done() for task in sign_ins):
            started = time.monotonic()
            health = await client.get("/healthz")
            latencies.append(time.monotonic() - started)
            assert health.status_code == 200
        statuses = await asyncio.gather(*sign_ins)

    assert len(latencies) >= 2, "the sign-ins were over before health was asked"
    assert max(latencies) < HEALTHZ_BOUND_SECONDS, latencies
    assert set(statuses) <= {401, 503}
    assert statuses.count(401) >= 2  # some were checked, the rest turned away at once


async def test_checks_past_the_queue_are_refused_at_once() -> None:
    checks = PasswordChecks(at_once=1, waiting=1)
    stored = hash_password("a long enough password")

    first = asyncio.create_task(checks.check(stored, "a long enough password"))
    second = asyncio.create_task(checks.check(stored, "wrong"))
    await asyncio.sleep(0)  # both are now holding their places
    with pytest.raises(Busy):
        await checks.check(stored, "anything")

    assert (await first).matches
    assert not (await second).matches
    assert checks.has_room
