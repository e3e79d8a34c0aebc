"""Run jobs in this process: claim the row, run the handler with heartbeats, settle the row.

Exactly-once effects: a handler's changes and the job's "succeeded" mark commit in one
transaction, and that mark is a compare-and-set on (job, worker). A worker killed mid-job
leaves its transaction rolled back and its heartbeat going stale; the sweeper sends the job
again and the next claim runs it from scratch. A duplicate delivery finds the job already
claimed or finished and does nothing.
"""

from __future__ import annotations

import asyncio
import functools
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.core.errors import AppError
from orderdesk.db.types import utcnow
from orderdesk.jobs import repository as repo
from orderdesk.jobs.context import JobContext, JobFailed, Progress, job_principal
from orderdesk.jobs.finisher import Finisher, job_event
from orderdesk.jobs.registry import JobKind, get_kind
from orderdesk.realtime.outbox import insert_events
from orderdesk.settings import Settings

log = structlog.get_logger("orderdesk.jobs")
ProgressListener = Callable[[int, Progress], Awaitable[None]]


class LostClaim(Exception):
    """Another worker took the job over (this one's heartbeat went stale)."""


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class JobRunner:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        *,
        sqlite: bool,
        autocommit: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        # Claims and heartbeats are single statements: on PostgreSQL they run in autocommit,
        # one round trip instead of BEGIN / statement / COMMIT.
        self.single_statements = autocommit or sessions
        self.worker_id = new_worker_id()
        self.capacity = max(1, settings.jobs_concurrency)
        # On SQLite a job's transaction holds the database's write lock, so heartbeats and
        # progress cannot be written beside it; one process runs jobs there (see ADR 0007).
        self.share_progress_in_db = not sqlite
        self.finisher = Finisher(sessions, self.worker_id)
        self.live: dict[int, Progress] = {}
        self.listeners: list[ProgressListener] = []
        # Where progress goes when it cannot be written to the database (SQLite): the event
        # bus directly, so WebSocket clients still see it live (set by the container).
        self.live_events: Callable[[dict[str, Any]], Awaitable[None]] | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._claims: dict[int, dict[str, Any]] = {}
        self._cancelled: set[int] = set()
        self._room = asyncio.Event()
        self._room.set()
        self._beating: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def running(self) -> list[int]:
        return list(self._tasks)

    @property
    def free(self) -> int:
        """How many more jobs this runner takes at once (`jobs_concurrency`)."""
        return self.capacity - len(self._tasks)

    async def wait_for_room(self) -> None:
        while self.free <= 0:
            self._room.clear()
            await self._room.wait()

    async def execute(self, job_id: int) -> None:
        """Run one delivery of a job to its end; never raises (the outcome is in the job row)."""
        tasks = await self.start([job_id])
        if tasks:
            await asyncio.wait(tasks)

    async def start(self, job_ids: list[int]) -> list[asyncio.Task[None]]:
        """Claim the deliveries' jobs in one statement and start those this worker won."""
        wanted = [job_id for job_id in dict.fromkeys(job_ids) if job_id not in self._tasks]
        if not wanted or self._stopping:
            return []
        tasks = []
        for claimed in await self._claim(wanted):
            task = asyncio.create_task(self._begin(claimed))
            self._tasks[claimed["id"]] = task
            task.add_done_callback(functools.partial(self._ended, claimed["id"]))
            tasks.append(task)
        if tasks and self.share_progress_in_db and (self._beating is None or self._beating.done()):
            self._beating = asyncio.create_task(self._heartbeats())
        return tasks

    async def _claim(self, job_ids: list[int]) -> list[dict[str, Any]]:
        now = utcnow()
        stale = now - timedelta(seconds=self.settings.jobs_stale_after_seconds)
        async with self.single_statements() as session:
            rows = await repo.claim(
                session, job_ids=job_ids, worker_id=self.worker_id, now=now, stale_before=stale
            )
            wanted = {row["actor_id"] for row in rows if row["actor_id"] is not None}
            actors = await repo.actors(session, list(wanted)) if wanted else {}
            await session.commit()
        for row in rows:
            row["actor"] = actors.get(row["actor_id"])
        return rows

    def _ended(self, job_id: int, _: asyncio.Task[None]) -> None:
        self._tasks.pop(job_id, None)
        self._room.set()

    async def _begin(self, claimed: dict[str, Any]) -> None:
        kind = get_kind(claimed["kind"])
        if kind is None:
            await self._settle(claimed, "failed", f"unknown job kind {claimed['kind']!r}")
        elif claimed["attempts"] > claimed["max_attempts"]:
            await self._settle(claimed, "failed", "the worker running this job was lost")
        else:
            await self._run(claimed, kind)

    async def _run(self, claimed: dict[str, Any], kind: JobKind) -> None:
        job_id = claimed["id"]
        progress = self.live[job_id] = Progress()
        self._claims[job_id] = claimed
        try:
            async with asyncio.timeout(kind.timeout_seconds):
                await self._effect(claimed, kind, progress)
            log.debug("job.succeeded", job_id=job_id, kind=kind.name)
        except TimeoutError:
            await self._fail(claimed, kind, f"timed out after {kind.timeout_seconds:g} s")
        except asyncio.CancelledError:
            if job_id not in self._cancelled and not self._stopping:
                raise
            _uncancel()  # asked for by `cancel_local` or `shutdown`: settle the row normally
            if job_id in self._cancelled:
                await self._settle(claimed, "cancelled", None)
            else:
                await self._settle(claimed, "queued", "worker stopped", retry_in=0)
        except LostClaim:
            log.warning("job.lost_claim", job_id=job_id)
        except (JobFailed, AppError) as exc:
            await self._settle(claimed, "failed", str(exc.body().get("detail") or exc))
        except Exception as exc:  # noqa: BLE001 (any handler error is the job's outcome)
            log.exception("job.error", job_id=job_id, kind=kind.name)
            await self._fail(claimed, kind, f"{type(exc).__name__}: {exc}")
        finally:
            self._cancelled.discard(job_id)
            self.live.pop(job_id, None)
            self._claims.pop(job_id, None)

    async def _effect(
        self, claimed: dict[str, Any], kind: JobKind, progress: Progress
    ) -> dict[str, Any] | None:
        actor = claimed.get("actor") or {}
        ctx = JobContext(
            job_id=claimed["id"],
            kind=claimed["kind"],
            params=claimed["params"] or {},
            attempt=claimed["attempts"],
            actor=job_principal(claimed["actor_id"], actor.get("role"), actor.get("unit_id")),
            progress=progress,
            _sink=self._publish_progress,
            _open_session=self.sessions,
        )
        try:
            result = await kind.handler(ctx)
            finished = repo.Finished(
                claimed["id"], result, progress.done, progress.total, dict(progress.counts)
            )
            session = ctx.opened_session
            if session is None:
                won = await self.finisher.finish(claimed, finished)
            else:
                won = await self._finish_in(session, claimed, finished)
        finally:
            if ctx.opened_session is not None:
                await ctx.opened_session.close()
        if not won:
            raise LostClaim
        return result

    async def _finish_in(
        self, session: AsyncSession, claimed: dict[str, Any], finished: repo.Finished
    ) -> bool:
        """The succeeded mark in the transaction of the job's own effect."""
        done = await repo.finish(
            session,
            job_id=finished.job_id,
            worker_id=self.worker_id,
            result=finished.result,
            done=finished.done,
            total=finished.total,
            counts=finished.counts,
            now=utcnow(),
        )
        if done:
            await _record(session, claimed, "job.succeeded", {"result": finished.result})
            await session.commit()
        return done

    async def _heartbeats(self) -> None:
        """One statement per interval refreshes every running job of this worker."""
        while self._tasks:
            await asyncio.sleep(self.settings.jobs_heartbeat_seconds)
            if not self._tasks:
                return
            try:
                async with self.single_statements() as session:
                    cancel = await repo.heartbeat(
                        session, job_ids=self.running, worker_id=self.worker_id, now=utcnow()
                    )
                    await session.commit()
            except Exception:  # noqa: BLE001 (a missed beat is retried; the jobs go on)
                log.warning("job.heartbeat_failed", exc_info=True)
                continue
            for job_id, asked in cancel.items():
                if asked:
                    self.cancel_local(job_id)

    async def _publish_progress(self, job_id: int, progress: Progress) -> None:
        for listener in self.listeners:
            await listener(job_id, progress)
        if not self.share_progress_in_db:
            if self.live_events is not None:  # no outbox row possible beside the job's lock
                payload = {
                    "done": progress.done,
                    "total": progress.total,
                    "counts": progress.counts,
                }
                await self.live_events(job_event(self._claims[job_id], "job.progress", payload))
            return
        async with self.sessions() as session:
            await repo.save_progress(
                session,
                job_id=job_id,
                worker_id=self.worker_id,
                done=progress.done,
                total=progress.total,
                counts=progress.counts,
                now=utcnow(),
            )
            payload = {"done": progress.done, "total": progress.total, "counts": progress.counts}
            await _record(session, self._claims[job_id], "job.progress", payload)
            await session.commit()

    async def _fail(self, claimed: dict[str, Any], kind: JobKind, error: str) -> None:
        attempt = int(claimed["attempts"])
        if attempt < min(kind.max_attempts, int(claimed["max_attempts"])):
            await self._settle(claimed, "queued", error, retry_in=kind.backoff(attempt))
        else:
            await self._settle(claimed, "failed", error)

    async def _settle(
        self,
        claimed: dict[str, Any],
        status: str,
        error: str | None,
        *,
        retry_in: float | None = None,
    ) -> None:
        job_id = claimed["id"]
        now = utcnow()
        run_after = now + timedelta(seconds=retry_in) if retry_in is not None else None
        async with self.sessions() as session:
            settled = await repo.settle(
                session,
                job_id=job_id,
                worker_id=self.worker_id,
                status=status,
                error=error[:2000] if error else None,
                now=now,
                run_after=run_after,
            )
            if settled:
                event = "job.retry_scheduled" if status == "queued" else f"job.{status}"
                await _record(session, claimed, event, {"error": error})
            await session.commit()
        log.info("job.settled", job_id=job_id, status=status, error=error)

    def cancel_local(self, job_id: int) -> bool:
        """Stop a job running in this process; its transaction rolls back."""
        task = self._tasks.get(job_id)
        if task is None or job_id in self._cancelled:
            return False
        self._cancelled.add(job_id)
        task.cancel()
        return True

    def resume(self) -> None:
        """Accept deliveries again (after a shutdown, e.g. when a test restarts the worker)."""
        self._stopping = False

    async def shutdown(self, grace_seconds: float) -> None:
        """Let running jobs finish for a while, then stop them and put them back in the queue."""
        self._stopping = True
        pending = list(self._tasks.values())
        if pending:
            await asyncio.wait(pending, timeout=grace_seconds)
        for task in self._tasks.values():
            task.cancel()
        while self._tasks:
            await asyncio.sleep(0.01)


async def _record(
    session: AsyncSession, job: dict[str, Any], type_: str, payload: dict[str, Any]
) -> None:
    await insert_events(session, [job_event(job, type_, payload)])


def _uncancel() -> None:
    task = asyncio.current_task()
    if task is not None:
        task.uncancel()
