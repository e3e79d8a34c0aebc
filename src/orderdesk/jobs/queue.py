"""How jobs travel: a taskiq broker (Redis streams, or in-process when embedded) and a sweeper.

The broker only carries job ids. The job row decides whether a delivery runs anything, so a
lost message is re-sent by the sweeper and a duplicate one is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from taskiq import AsyncBroker, InMemoryBroker
from taskiq.api import run_receiver_task
from taskiq_redis import RedisStreamBroker

from orderdesk.db.types import utcnow
from orderdesk.jobs import repository as repo
from orderdesk.jobs.runner import JobRunner
from orderdesk.settings import Settings

log = structlog.get_logger("orderdesk.jobs")
TASK_NAME = "orderdesk.run_job"
SWEEP_BATCH = 500
SEND_CONCURRENCY = 64


def build_broker(settings: Settings) -> AsyncBroker:
    """Redis streams (acknowledged, reclaimed when a worker dies) or the in-process broker."""
    if not settings.redis_url:
        return InMemoryBroker(max_async_tasks=settings.jobs_concurrency, cast_types=False)
    return RedisStreamBroker(
        settings.redis_url,
        queue_name=f"orderdesk:{settings.redis_namespace}:jobs",
        consumer_group_name=f"orderdesk:{settings.redis_namespace}:workers",
        idle_timeout=int(settings.jobs_stale_after_seconds * 2000),
        unacknowledged_lock_timeout=5,
        xread_block=1000,
    )


class JobQueue:
    """Sends job ids to the broker after commit; the sweeper re-sends what went missing."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        runner: JobRunner | None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.runner = runner
        self.broker = build_broker(settings)

        async def run_job(job_id: int) -> None:
            await self._deliver(job_id)

        self._task = self.broker.register_task(run_job, task_name=TASK_NAME)
        self._sending: set[asyncio.Task[None]] = set()
        self._started = False

    async def _deliver(self, job_id: int) -> None:
        if self.runner is None:
            log.error("job.delivered_without_runner", job_id=job_id)
            return
        await self.runner.execute(int(job_id))

    async def start(self) -> None:
        if not self._started:
            await self.broker.startup()
            self._started = True

    async def stop(self) -> None:
        if self._sending:
            await asyncio.wait(list(self._sending), timeout=5)
        if self._started:
            await self.broker.shutdown()
            self._started = False

    async def send(self, ids: Iterable[int]) -> None:
        """Put job ids on the broker (a failure is logged; the sweeper sends them later)."""
        if self.runner is None and isinstance(self.broker, InMemoryBroker):
            return  # nobody here runs them; the embedded server's first sweep will
        pending = list(ids)
        try:
            await self.start()
            for start in range(0, len(pending), SEND_CONCURRENCY):
                chunk = pending[start : start + SEND_CONCURRENCY]
                await asyncio.gather(*(self._task.kiq(job_id) for job_id in chunk))
        except Exception:  # noqa: BLE001 (the job row stays queued; the sweeper retries)
            log.warning("job.send_failed", exc_info=True)

    def send_soon(self, ids: list[int]) -> None:
        """Called after a commit: send without making the committing caller wait."""
        with contextlib.suppress(RuntimeError):  # no running loop: the sweeper sends them
            task = asyncio.get_running_loop().create_task(self.send(ids))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def sweep(self, *, everything: bool = False) -> int:
        """Re-send due jobs never picked up, and running jobs whose worker went silent."""
        now = utcnow()
        redispatch = (
            now
            if everything
            else now - timedelta(seconds=self.settings.jobs_redispatch_after_seconds)
        )
        stale = now - timedelta(seconds=self.settings.jobs_stale_after_seconds)
        exclude = self.runner.running if self.runner else []
        async with self.sessions() as session:
            due = await repo.due_for_dispatch(
                session, now=now, redispatch_before=redispatch, limit=SWEEP_BATCH
            )
            lost = await repo.stale_running(
                session, stale_before=stale, exclude=exclude, limit=SWEEP_BATCH
            )
            if due:
                await repo.mark_dispatched(session, ids=due, now=now)
            await session.commit()
        if due or lost:
            log.info("job.sweep", resent=len(due), recovered=len(lost))
            await self.send([*due, *lost])
        return len(due) + len(lost)

    async def run_sweeper(self, stop: asyncio.Event) -> None:
        """Sweep every few seconds until `stop` is set.

        An in-process broker loses its messages with the process, so there the first sweep
        re-sends every queued job at once instead of waiting for the re-send delay.
        """
        everything = isinstance(self.broker, InMemoryBroker)
        while not stop.is_set():
            try:
                await self.sweep(everything=everything)
                everything = False
            except Exception:  # noqa: BLE001 (the database may be briefly away; try again)
                log.warning("job.sweep_failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.jobs_sweep_interval_seconds)

    async def work(self, stop: asyncio.Event) -> None:
        """Run jobs until `stop` is set: take deliveries from the broker and sweep."""
        assert self.runner is not None, "a queue that works needs a runner"
        self.runner.resume()
        await self.start()
        sweeper = asyncio.create_task(self.run_sweeper(stop))
        receiver = None
        if not isinstance(self.broker, InMemoryBroker):
            receiver = asyncio.create_task(
                run_receiver_task(self.broker, max_async_tasks=self.settings.jobs_concurrency)
            )
        log.info("jobs.worker_started", worker=self.runner.worker_id)
        await stop.wait()
        if receiver is not None:
            await _cancel(receiver)
        await self.runner.shutdown(self.settings.jobs_shutdown_grace_seconds)
        await sweeper
        log.info("jobs.worker_stopped", worker=self.runner.worker_id)


async def _cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
