"""The job loop: picks due jobs, honours concurrency limits, wakes on new work and on the clock."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Awaitable, Callable

from workflows.engine.clock import Clock
from workflows.engine.store import Job, Store

log = logging.getLogger(__name__)
IDLE_POLL_SECONDS = 1.0
# A job that fails outside the protocol (its database write failed: disk full, read-only file,
# database down) is held in memory, since postponing it would need the write that just failed.
HOLD_FIRST_SECONDS = 1.0
HOLD_MAX_SECONDS = 60.0

Admit = Callable[[Job], Awaitable[list[tuple[str, int]]]]


class Scheduler:
    """Runs due jobs on at most `workers` tasks at once. Claims live in memory: a restarted
    engine simply finds every unfinished job still in the table."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        handle: Callable[[Job], Awaitable[None]],
        slots_for: Admit,
        workers: int,
    ) -> None:
        self._store = store
        self._clock = clock
        self._handle = handle
        self._slots_for = slots_for
        self._workers = workers
        self._wake = asyncio.Event()
        self.progress = asyncio.Event()
        self._in_flight: set[int] = set()
        # jobs that ended since the current read of due jobs began: that read may predate their
        # commit and still list them, and a job must not run again once it has ended
        self._ended: set[int] = set()
        self._held: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._holds = Holds(clock)
        clock.on_change(self.wake)

    def wake(self) -> None:
        self._wake.set()

    @property
    def working(self) -> bool:
        """Whether a job is running now."""
        return bool(self._in_flight)

    @property
    def held_jobs(self) -> set[int]:
        """Due jobs held back in memory until their delay ends (see Holds)."""
        return self._holds.holding(self._clock.now())

    def start(self) -> None:
        self._loop_task = asyncio.create_task(self._loop(), name="engine-scheduler")

    async def stop(self) -> None:
        tasks = [t for t in [self._loop_task, *self._tasks] if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                wait = await self._dispatch_due()
                self._holds.reading_succeeded()
            except Exception as error:
                wait = self._holds.reading_failed(error)
            if wait > 0:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for can swallow a cancel
                # that lands as the wake-up does, and `stop` would then wait for ever.
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._wake.wait()

    async def _dispatch_due(self) -> float:
        """Start what is due; return how long to wait before looking again."""
        now = self._clock.now()
        free = self._workers - len(self._in_flight)
        if free <= 0:
            return IDLE_POLL_SECONDS
        blocked = False
        self._ended.clear()
        held = self._holds.held(now)
        due = await self._store.due_jobs(now, free * 2, self._in_flight | held)
        for job in due.jobs:
            if len(self._in_flight) >= self._workers:
                return IDLE_POLL_SECONDS
            slots = await self._slots_for(job)
            if job.id in self._ended:
                continue
            if any(self._held[key] >= limit for key, limit in slots):
                blocked = True
                continue
            self._start(job, [key for key, _ in slots])
        if blocked or held:
            return IDLE_POLL_SECONDS
        if due.next_at is None:
            return IDLE_POLL_SECONDS
        return min(max(due.next_at - self._clock.now(), 0.0), IDLE_POLL_SECONDS)

    def _start(self, job: Job, keys: list[str]) -> None:
        self._in_flight.add(job.id)
        self._held.update(keys)
        task = asyncio.create_task(self._run(job, keys), name=f"engine-job-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, job: Job, keys: list[str]) -> None:
        try:
            await self._handle(job)
            self._holds.job_succeeded(job)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._holds.job_failed(job, error)
        finally:
            self._in_flight.discard(job.id)
            self._ended.add(job.id)
            self._held.subtract(keys)
            self._wake.set()
            self.progress.set()


class Holds:
    """Jobs that failed outside the protocol, each held back for a doubling delay, and a log
    that speaks at most once per delay however many jobs fail: a broken disk must not fill
    another with the same line."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._until: dict[int, float] = {}
        self._failures: dict[int, int] = {}
        self._read_failures = 0
        self._quiet_until = 0.0
        self._unlogged = 0
        self._failing = False  # reported since the last success

    def held(self, now: float) -> set[int]:
        for job_id in [j for j, until in self._until.items() if until <= now]:
            del self._until[job_id]
        return set(self._until)

    def holding(self, now: float) -> set[int]:
        """The jobs still held at `now`, read without forgetting the ones whose delay ended."""
        return {job_id for job_id, until in self._until.items() if until > now}

    def job_succeeded(self, job: Job) -> None:
        self._failures.pop(job.id, None)
        self._failing = False

    def job_failed(self, job: Job, error: Exception) -> None:
        count = self._failures[job.id] = self._failures.get(job.id, 0) + 1
        delay = _hold_delay(count)
        self._until[job.id] = self._clock.now() + delay
        self._log(f"engine job {job.id} ({job.kind}) failed", error, delay)

    def reading_succeeded(self) -> None:
        self._read_failures = 0

    def reading_failed(self, error: Exception) -> float:
        """How long the loop waits before reading the jobs again."""
        self._read_failures += 1
        delay = _hold_delay(self._read_failures)
        self._log("engine scheduler could not read its jobs", error, delay)
        return delay

    def _log(self, what: str, error: Exception, delay: float) -> None:
        now = self._clock.now()
        if now < self._quiet_until:
            self._unlogged += 1
            return
        others = (
            f" ({self._unlogged} more failures since the last report)" if self._unlogged else ""
        )
        log.warning(
            "%s: %s: %s; trying again in %.0fs%s",
            what,
            type(error).__name__,
            str(error).splitlines()[0][:200] if str(error) else "",
            delay,
            others,
        )
        if not self._failing:
            # The traceback once per streak, and only at debug: a driver's message below its
            # first line can quote the statement's parameters, which hold customer data.
            log.debug("%s", what, exc_info=error)
        self._failing = True
        self._quiet_until = now + delay
        self._unlogged = 0


def _hold_delay(failures: int) -> float:
    return float(min(HOLD_FIRST_SECONDS * 2 ** (failures - 1), HOLD_MAX_SECONDS))
