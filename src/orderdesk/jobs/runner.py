"""Run jobs in this process: claim the row, run the handler with heartbeats, settle the row.

Exactly-once effects: a handler's changes and the job's "succeeded" mark commit in one
transaction, and that mark is a compare-and-set on (job, worker). A worker killed mid-job
leaves its transaction rolled back and its heartbeat going stale; the sweeper sends the job
again and the next claim runs it from scratch. A duplicate delivery finds the job already
claimed or finished and does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from orderdesk.jobs.registry import JobKind, get_kind
from orderdesk.realtime.outbox import insert_event
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
        # On SQLite a job's transaction holds the database's write lock, so heartbeats and
        # progress cannot be written beside it; one process runs jobs there (see ADR 0007).
        self.share_progress_in_db = not sqlite
        self.live: dict[int, Progress] = {}
        self.listeners: list[ProgressListener] = []
        self._tasks: dict[int, asyncio.Task[dict[str, Any] | None]] = {}
        self._claims: dict[int, dict[str, Any]] = {}
        self._cancelled: set[int] = set()
        self._stopping = False

    @property
    def running(self) -> list[int]:
        return list(self._tasks)

    async def execute(self, job_id: int) -> None:
        """Run one delivery of a job; never raises (the outcome is written to the job row)."""
        if job_id in self._tasks or self._stopping:
            return
        claimed = await self._claim(job_id)
        if claimed is None:
            return
        kind = get_kind(claimed["kind"])
        if kind is None:
            await self._settle(claimed, "failed", f"unknown job kind {claimed['kind']!r}")
            return
        if claimed["attempts"] > claimed["max_attempts"]:
            await self._settle(claimed, "failed", "the worker running this job was lost")
            return
        await self._run(claimed, kind)

    async def _claim(self, job_id: int) -> dict[str, Any] | None:
        now = utcnow()
        stale = now - timedelta(seconds=self.settings.jobs_stale_after_seconds)
        async with self.single_statements() as session:
            row = await repo.claim(
                session, job_id=job_id, worker_id=self.worker_id, now=now, stale_before=stale
            )
            if row is not None and row["actor_id"] is not None:
                row["actor"] = await repo.actor(session, row["actor_id"])
            await session.commit()
        return row

    async def _run(self, claimed: dict[str, Any], kind: JobKind) -> None:
        job_id = claimed["id"]
        progress = self.live[job_id] = Progress()
        self._claims[job_id] = claimed
        task = asyncio.create_task(self._effect(claimed, progress))
        self._tasks[job_id] = task
        beat = asyncio.create_task(self._heartbeat(job_id))
        try:
            async with asyncio.timeout(kind.timeout_seconds):
                await asyncio.shield(task)
            log.debug("job.succeeded", job_id=job_id, kind=kind.name)
        except TimeoutError:
            await _stop(task)
            await self._fail(claimed, kind, f"timed out after {kind.timeout_seconds:g} s")
        except asyncio.CancelledError:
            if job_id in self._cancelled:
                await self._settle(claimed, "cancelled", None)
            elif self._stopping:
                await self._settle(claimed, "queued", "worker stopped", retry_in=0)
            else:
                raise
        except LostClaim:
            log.warning("job.lost_claim", job_id=job_id)
        except (JobFailed, AppError) as exc:
            await self._settle(claimed, "failed", str(exc.body().get("detail") or exc))
        except Exception as exc:  # noqa: BLE001 (any handler error is the job's outcome)
            log.exception("job.error", job_id=job_id, kind=kind.name)
            await self._fail(claimed, kind, f"{type(exc).__name__}: {exc}")
        finally:
            beat.cancel()
            self._tasks.pop(job_id, None)
            self._cancelled.discard(job_id)
            self.live.pop(job_id, None)
            self._claims.pop(job_id, None)

    async def _effect(self, claimed: dict[str, Any], progress: Progress) -> dict[str, Any] | None:
        job_id = claimed["id"]
        actor = claimed.get("actor") or {}
        async with self.sessions() as session:
            ctx = JobContext(
                job_id=job_id,
                kind=claimed["kind"],
                params=claimed["params"] or {},
                attempt=claimed["attempts"],
                session=session,
                actor=job_principal(claimed["actor_id"], actor.get("role"), actor.get("unit_id")),
                progress=progress,
                _sink=self._publish_progress,
            )
            kind = get_kind(claimed["kind"])
            assert kind is not None
            result = await kind.handler(ctx)
            done = await repo.finish(
                session,
                job_id=job_id,
                worker_id=self.worker_id,
                result=result,
                done=progress.done,
                total=progress.total,
                counts=progress.counts,
                now=utcnow(),
            )
            if not done:
                raise LostClaim
            await _record(session, claimed, "job.succeeded", {"result": result})
            await session.commit()
        return result

    async def _heartbeat(self, job_id: int) -> None:
        if not self.share_progress_in_db:
            return
        while True:
            await asyncio.sleep(self.settings.jobs_heartbeat_seconds)
            try:
                async with self.single_statements() as session:
                    cancel = await repo.heartbeat(
                        session, job_id=job_id, worker_id=self.worker_id, now=utcnow()
                    )
                    await session.commit()
            except Exception:  # noqa: BLE001 (a missed beat is retried; the job goes on)
                log.warning("job.heartbeat_failed", job_id=job_id, exc_info=True)
                continue
            if cancel:
                self.cancel_local(job_id)

    async def _publish_progress(self, job_id: int, progress: Progress) -> None:
        for listener in self.listeners:
            await listener(job_id, progress)
        if not self.share_progress_in_db:
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
        if task is None:
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
    await insert_event(
        session,
        type=type_,
        aggregate_type="job",
        aggregate_id=job["id"],
        payload={"kind": job.get("kind"), **payload},
        unit_id=job.get("unit_id"),
        # The requester hears about their own job even as a customer.
        customer_id=job.get("actor_id"),
        actor_id=job.get("actor_id"),
    )


async def _stop(task: asyncio.Task[Any]) -> None:
    task.cancel()
    with contextlib.suppress(BaseException):
        await task
