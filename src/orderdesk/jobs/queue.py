"""How jobs travel: a taskiq broker on Redis streams (an in-process inbox when embedded), a sweeper.

The broker only carries job ids. The job row decides whether a delivery runs anything, so a
lost message is re-sent by the sweeper and a duplicate one is harmless.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from taskiq import TaskiqMessage
from taskiq_redis import RedisStreamBroker

from orderdesk.db.types import utcnow
from orderdesk.jobs import repository as repo
from orderdesk.jobs.runner import JobRunner
from orderdesk.settings import Settings

log = structlog.get_logger("orderdesk.jobs")
TASK_NAME = "orderdesk.run_job"
SWEEP_BATCH = 500
SEND_BATCH = 1000


Ack = Callable[[], Awaitable[None] | None]
Delivery = tuple[int, Ack | None]


class JobStreamBroker(RedisStreamBroker):
    """taskiq's Redis stream broker whose acks are gathered and sent as one XACK per batch.

    The worker takes deliveries in batches (one claim statement for up to `jobs_concurrency`
    jobs), so it acknowledges them in batches too instead of one round trip per message.
    """

    def __init__(self, url: str, **kwargs: Any) -> None:
        super().__init__(url, **kwargs)
        self._unacked: dict[str, list[Any]] = {}

    def _ack_generator(self, id: str, queue_name: str) -> Callable[[], Awaitable[None]]:
        async def ack() -> None:
            self._unacked.setdefault(queue_name, []).append(id)

        return ack

    async def send_ids(self, job_ids: list[int]) -> None:
        """Put job-id messages on the stream in one pipeline instead of a round trip each."""
        messages = [
            self.formatter.dumps(
                TaskiqMessage(
                    task_id=self.id_generator(),
                    task_name=TASK_NAME,
                    labels={},
                    labels_types={},
                    args=[job_id],
                    kwargs={},
                )
            )
            for job_id in job_ids
        ]
        conn = Redis(connection_pool=self.connection_pool)
        async with conn, conn.pipeline(transaction=False) as pipe:
            for message in messages:
                pipe.xadd(
                    self.queue_name,
                    {b"data": message.message},
                    maxlen=self.maxlen,
                    approximate=self.approximate,
                )
            await pipe.execute()

    async def flush_acks(self) -> None:
        """Acknowledge every delivery acked since the last flush, in one pipeline."""
        pending, self._unacked = self._unacked, {}
        if not pending:
            return
        conn = Redis(connection_pool=self.connection_pool)
        async with conn, conn.pipeline(transaction=False) as pipe:
            for stream, ids in pending.items():
                pipe.xack(stream, self.consumer_group_name, *ids)
            await pipe.execute()


def build_broker(settings: Settings) -> JobStreamBroker | None:
    """Redis streams (acknowledged, reclaimed when a worker dies); None when embedded."""
    if not settings.redis_url:
        return None
    return JobStreamBroker(
        settings.redis_url,
        queue_name=f"orderdesk:{settings.redis_namespace}:jobs",
        consumer_group_name=f"orderdesk:{settings.redis_namespace}:workers",
        idle_timeout=int(settings.jobs_stale_after_seconds * 2000),
        unacknowledged_lock_timeout=5,
        xread_block=1000,
        xread_count=max(100, settings.jobs_concurrency),
    )


class JobQueue:
    """Sends job ids after commit; a worker claims them in batches; the sweeper re-sends losses.

    Server shape: the ids travel on a Redis stream (taskiq). Embedded: straight into this
    process's inbox — there is nobody else to deliver to.
    """

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
        self._inbox: asyncio.Queue[Delivery] = asyncio.Queue()
        self._inbox_limit = 2 * max(1, settings.jobs_concurrency)
        self._drained = asyncio.Event()
        self._working = False
        if self.broker is not None:
            # The task our messages name: the worker decodes them itself (in batches), but a
            # message taken by taskiq's own receiver would still land in the inbox.
            async def run_job(job_id: int) -> None:
                self._inbox.put_nowait((int(job_id), None))

            self.broker.register_task(run_job, task_name=TASK_NAME)
        self._sending: set[asyncio.Task[None]] = set()
        self._started = False

    async def start(self) -> None:
        if not self._started and self.broker is not None:
            await self.broker.startup()
            self._started = True

    async def stop(self) -> None:
        if self._sending:
            await asyncio.wait(list(self._sending), timeout=5)
        if self._started and self.broker is not None:
            await self.broker.shutdown()
            self._started = False

    async def send(self, ids: Iterable[int]) -> None:
        """Deliver job ids (a failure is logged; the sweeper sends them later)."""
        if self.broker is None:
            if self._working:  # embedded: otherwise the runner's first sweep sends them
                for job_id in ids:
                    self._inbox.put_nowait((job_id, None))
            return
        pending = list(ids)
        try:
            await self.start()
            for start in range(0, len(pending), SEND_BATCH):
                await self.broker.send_ids(pending[start : start + SEND_BATCH])
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

        An in-process inbox loses its deliveries with the process, so there the first sweep
        re-sends every queued job at once instead of waiting for the re-send delay.
        """
        everything = self.broker is None
        while not stop.is_set():
            try:
                await self.sweep(everything=everything)
                everything = False
            except Exception:  # noqa: BLE001 (the database may be briefly away; try again)
                log.warning("job.sweep_failed", exc_info=True)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.jobs_sweep_interval_seconds)

    async def work(self, stop: asyncio.Event) -> None:
        """Run jobs until `stop` is set: take deliveries in batches and sweep."""
        assert self.runner is not None, "a queue that works needs a runner"
        self.runner.resume()
        self._working = True  # the broker starts in `_receive`, retried while Redis is away
        sweeper = asyncio.create_task(self.run_sweeper(stop))
        loops = [asyncio.create_task(self._dispatch(self.runner))]
        if self.broker is not None:
            loops.append(asyncio.create_task(self._receive(self.broker)))
        log.info("jobs.worker_started", worker=self.runner.worker_id)
        await stop.wait()
        self._working = False
        for loop in loops:
            await _cancel(loop)
        await self.runner.shutdown(self.settings.jobs_shutdown_grace_seconds)
        await sweeper
        while not self._inbox.empty():  # left unacked: Redis or the sweeper delivers them again
            self._inbox.get_nowait()
        log.info("jobs.worker_stopped", worker=self.runner.worker_id)

    async def _receive(self, broker: JobStreamBroker) -> None:
        """Move deliveries from the Redis stream into the inbox; survive Redis going away."""
        while True:
            try:
                await self.start()
                await self._take_from(broker)
            except Exception:  # noqa: BLE001 (Redis away or restarting: try again shortly)
                log.warning("jobs.broker_unavailable", exc_info=True)
                await asyncio.sleep(1)

    async def _take_from(self, broker: JobStreamBroker) -> None:
        async for message in broker.listen():
            try:
                job_id = int(broker.formatter.loads(message.data).args[0])
            except Exception:  # noqa: BLE001 (not ours or corrupt: drop it, the row decides)
                log.warning("job.bad_message", data=repr(message.data)[:200])
                self._inbox.put_nowait((0, message.ack))  # acked with the next batch
                continue
            self._inbox.put_nowait((job_id, message.ack))
            if self._inbox.qsize() >= self._inbox_limit:
                self._drained.clear()
                await self._drained.wait()

    async def _dispatch(self, runner: JobRunner) -> None:
        """Claim what the inbox holds, as many jobs at once as the runner has room for."""
        while True:
            await runner.wait_for_room()
            batch = [await self._inbox.get()]
            while len(batch) < runner.free and not self._inbox.empty():
                batch.append(self._inbox.get_nowait())
            self._drained.set()
            try:
                await runner.start([job_id for job_id, _ in batch])
            except Exception:  # noqa: BLE001 (left unacked: redelivered or swept later)
                log.warning("job.claim_failed", exc_info=True)
                await asyncio.sleep(1)
                continue
            await self._ack(batch)

    async def _ack(self, batch: list[Delivery]) -> None:
        for _, ack in batch:
            pending = ack() if ack is not None else None
            if pending is not None:
                await pending
        if self.broker is not None:
            try:
                await self.broker.flush_acks()
            except Exception:  # noqa: BLE001 (a redelivery finds the jobs claimed: harmless)
                log.warning("job.ack_failed", exc_info=True)


async def _cancel(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
