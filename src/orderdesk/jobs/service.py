"""Job use cases: enqueue inside the caller's transaction; dispatch happens after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.core.errors import Conflict, NotFound
from orderdesk.core.pagination import Page, PageRequest
from orderdesk.core.permissions import Principal
from orderdesk.db.engine import on_commit
from orderdesk.db.types import utcnow
from orderdesk.jobs import repository as repo
from orderdesk.jobs.messages import JOB_FINISHED, JOB_NOT_FOUND
from orderdesk.jobs.models import FINISHED_STATUSES, Job
from orderdesk.jobs.repository import JOBS
from orderdesk.jobs.runner import JobRunner


async def enqueue(
    session: AsyncSession,
    *,
    kind: str,
    params: dict[str, Any] | None = None,
    actor_id: int | None = None,
    unit_id: int | None = None,
    dedupe_key: str | None = None,
    run_after: datetime | None = None,
    max_attempts: int = 3,
) -> Job:
    """Add a queued job to the caller's transaction; a known dedupe key returns the first job."""
    if dedupe_key is not None:
        found = await session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))
        if found is not None:
            return found
    job = Job(
        kind=kind,
        params=params or {},
        actor_id=actor_id,
        unit_id=unit_id,
        dedupe_key=dedupe_key,
        run_after=run_after,
        max_attempts=max_attempts,
        counts={},
        # Sent right after commit; the sweeper re-sends it if that send never happened.
        dispatched_at=utcnow() if run_after is None else None,
    )
    session.add(job)
    await session.flush()
    queue = session.info.get("job_queue")
    if queue is not None and run_after is None:
        job_id = job.id
        on_commit(session, lambda: queue.send_soon([job_id]))
    return job


async def enqueue_many(
    session: AsyncSession,
    *,
    kind: str,
    params: list[dict[str, Any]],
    actor_id: int | None = None,
    unit_id: int | None = None,
    max_attempts: int = 3,
) -> list[int]:
    """Add many queued jobs of one kind in one statement (fan-outs, bulk work); returns ids."""
    if not params:
        return []
    now = utcnow()
    rows = [
        {
            "kind": kind, "params": p, "actor_id": actor_id, "unit_id": unit_id,
            "max_attempts": max_attempts, "dispatched_at": now, "counts": {},
            "created_at": now, "updated_at": now,
        }
        for p in params
    ]  # fmt: skip
    conn = await session.connection()
    result = await conn.execute(
        insert(JOBS).returning(JOBS.c.id, sort_by_parameter_order=True), rows
    )
    ids = [row[0] for row in result]
    queue = session.info.get("job_queue")
    if queue is not None:
        on_commit(session, lambda: queue.send_soon(ids))
    return ids


def _with_live(row: dict[str, Any], runner: JobRunner | None) -> dict[str, Any]:
    """Overlay progress a job running in this process has not written to the database."""
    live = runner.live.get(row["id"]) if runner is not None else None
    if live is not None and row["status"] == "running":
        row.update(progress_done=live.done, progress_total=live.total, counts=dict(live.counts))
    return row


async def get_job(
    *, session: AsyncSession, principal: Principal, job_id: int, runner: JobRunner | None = None
) -> dict[str, Any]:
    """One job the principal may see (admins and managers: all; others: their own)."""
    row = await repo.get_job(session, job_id=job_id, principal=principal)
    if row is None:
        raise NotFound(JOB_NOT_FOUND, id=job_id)
    return _with_live(row, runner)


async def list_jobs(
    *,
    session: AsyncSession,
    principal: Principal,
    page: PageRequest,
    kind: str | None = None,
    status: str | None = None,
    runner: JobRunner | None = None,
) -> Page:
    result = await repo.list_jobs(session, principal=principal, page=page, kind=kind, status=status)
    result.items = [_with_live(row, runner) for row in result.items]
    return result


async def cancel_job(
    *, session: AsyncSession, principal: Principal, job_id: int, stopped_here: bool = False
) -> dict[str, Any]:
    """Cancel a queued job at once; ask a running one to stop (it rolls back its changes).

    `stopped_here`: this process has just stopped the job, which may already read "cancelled".
    """
    row = await get_job(session=session, principal=principal, job_id=job_id)
    if not (stopped_here and row["status"] == "cancelled"):
        if row["status"] in FINISHED_STATUSES:
            raise Conflict(JOB_FINISHED, id=job_id, status=row["status"])
        await repo.cancel(session, job_id=job_id, now=utcnow())
    await audit.record(
        session, action="job.cancel", actor=principal, entity_type="job", entity_id=job_id
    )
    return await get_job(session=session, principal=principal, job_id=job_id)
