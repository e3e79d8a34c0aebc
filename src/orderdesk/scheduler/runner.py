"""The scheduler loop: at each due tick, one process takes the tick's lock and enqueues its job.

Two guards make a tick fire once however many schedulers run: a lock named after the tick
(Redis when configured, so the losers do not even touch the database) and the unique
`jobs.dedupe_key` (`schedule:<task>:<tick>`), which is the database's lock when there is no
Redis. After downtime only the latest missed tick fires, and only if it is younger than
`scheduler_catchup_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.backends.locks import Locks
from orderdesk.container import Container
from orderdesk.db import models  # noqa: F401  (jobs' foreign keys need every table mapped)
from orderdesk.db.types import utcnow
from orderdesk.jobs.service import enqueue
from orderdesk.scheduler import repository as repo
from orderdesk.scheduler.tasks import PeriodicTask, periodic_tasks

log = structlog.get_logger("orderdesk.scheduler")
# The tick's lock outlives the enqueue on purpose: a slower scheduler finds it taken and skips.
TICK_LOCK_SECONDS = 600.0
MAX_SLEEP_SECONDS = 30.0


class Scheduler:
    """Fires due ticks of periodic tasks as queued jobs."""

    def __init__(
        self,
        *,
        tasks: list[PeriodicTask],
        locks: Locks,
        sessions: async_sessionmaker[AsyncSession],
        catchup: timedelta = timedelta(days=1),
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.tasks = tasks
        self.locks = locks
        self.sessions = sessions
        self.catchup = catchup
        self.clock = clock
        self._next: dict[str, datetime] = {}

    async def start(self, now: datetime) -> list[str]:
        """Fire each task's latest tick if recent enough (missed while down); plan the next."""
        fired = []
        for task in self.tasks:
            tick = task.latest_tick(now)
            if now - tick <= self.catchup and await self._fire_safely(task, tick):
                fired.append(task.dedupe_key(tick))
            self._next[task.name] = task.next_tick(now)
        return fired

    async def run_due(self, now: datetime) -> list[str]:
        """Fire the latest tick of every task that is due (older missed ticks are skipped)."""
        fired = []
        for task in self.tasks:
            if self._next[task.name] > now:
                continue
            tick = task.latest_tick(now)
            if await self._fire_safely(task, tick):
                fired.append(task.dedupe_key(tick))
            self._next[task.name] = task.next_tick(tick)
        return fired

    def seconds_to_next(self, now: datetime) -> float:
        """How long the loop may sleep before the next tick is due."""
        if not self._next:
            return MAX_SLEEP_SECONDS
        wait = (min(self._next.values()) - now).total_seconds()
        return min(MAX_SLEEP_SECONDS, max(0.0, wait))

    async def run(self, stop: asyncio.Event) -> None:
        """Loop until `stop` is set (SIGTERM / SIGINT or app shutdown)."""
        log.info("scheduler.started", tasks=[f"{t.name} {t.cron}" for t in self.tasks])
        await self.start(self.clock())
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.seconds_to_next(self.clock()))
            if not stop.is_set():
                await self.run_due(self.clock())
        log.info("scheduler.stopped")

    async def fire(self, task: PeriodicTask, tick: datetime) -> bool:
        """Enqueue the tick's job unless another scheduler has it; True when this one did."""
        key = task.dedupe_key(tick)
        token = await self.locks.acquire(key, TICK_LOCK_SECONDS)
        if token is None:
            return False
        try:
            created = await self._enqueue(task, key)
        except BaseException:
            await self.locks.release(key, token)  # let another scheduler try this tick
            raise
        if created:
            log.info("scheduler.enqueued", task=task.name, tick=tick.isoformat())
        return created

    async def _fire_safely(self, task: PeriodicTask, tick: datetime) -> bool:
        try:
            return await self.fire(task, tick)
        except Exception:  # the loop outlives a database or Redis outage
            log.exception("scheduler.fire_failed", task=task.name, tick=tick.isoformat())
            return False

    async def _enqueue(self, task: PeriodicTask, key: str) -> bool:
        """One transaction: add the job; a lost race on the unique dedupe key is not an error."""
        async with self.sessions() as session:
            try:
                if await repo.job_exists(session, key):
                    return False
                await enqueue(session, kind=task.job_kind, params=dict(task.params), dedupe_key=key)
                await session.commit()
            except IntegrityError:
                await session.rollback()
                return False
        return True


def scheduler_for(container: Container) -> Scheduler:
    """The scheduler of every registered periodic task, with the container's locks and DB."""
    settings = container.settings
    return Scheduler(
        tasks=periodic_tasks(settings),
        locks=container.locks,
        sessions=container.write_sessions,
        catchup=timedelta(seconds=settings.scheduler_catchup_seconds),
    )


async def run_until_signalled(container: Container) -> None:
    """Run the scheduler until SIGTERM or SIGINT, then finish the current tick and return."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await scheduler_for(container).run(stop)
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
