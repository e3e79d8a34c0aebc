"""All SQL of the jobs domain. Every state change is a compare-and-set on the job row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import User
from orderdesk.core.pagination import Page, PageRequest, finish_page, paginate_statement
from orderdesk.core.permissions import Principal
from orderdesk.db.query import fetch_all, fetch_one
from orderdesk.jobs.models import Job

SORTS = {"id": Job.id, "created_at": Job.created_at}
NO_SYNC = {"synchronize_session": False}


@dataclass(frozen=True, slots=True)
class Finished:
    """A job that ended well without touching the database: what its row should say."""

    job_id: int
    result: dict[str, Any] | None
    done: int
    total: int | None
    counts: dict[str, int]


JOB_COLUMNS = (
    Job.id,
    Job.kind,
    Job.status,
    Job.params,
    Job.result,
    Job.error,
    Job.progress_done,
    Job.progress_total,
    Job.counts,
    Job.attempts,
    Job.max_attempts,
    Job.run_after,
    Job.started_at,
    Job.finished_at,
    Job.heartbeat_at,
    Job.cancel_requested,
    Job.actor_id,
    Job.unit_id,
    Job.created_at,
    Job.updated_at,
)


JOBS = cast(Table, Job.__table__)
_C = JOBS.c
MINE = and_(
    _C.id == bindparam("b_job"),
    _C.worker_id == bindparam("b_worker"),
    _C.status == "running",
)
# The statements of the job loop are built once: jobs are a hot path (1,000+ per second),
# and each works on a whole batch of deliveries at a time.
IDS = _C.id.in_(bindparam("b_ids", expanding=True))
MINE_MANY = and_(IDS, _C.worker_id == bindparam("b_worker"), _C.status == "running")
CLAIM = (
    update(JOBS)
    .where(
        IDS,
        or_(
            and_(
                _C.status == "queued",
                _C.cancel_requested.is_(False),
                or_(_C.run_after.is_(None), _C.run_after <= bindparam("b_now")),
            ),
            and_(_C.status == "running", _C.heartbeat_at < bindparam("b_stale")),
        ),
    )
    .values(
        status="running",
        attempts=_C.attempts + 1,
        started_at=bindparam("b_now"),
        heartbeat_at=bindparam("b_now"),
        worker_id=bindparam("b_worker"),
        updated_at=bindparam("b_now"),
    )
    .returning(_C.id, _C.kind, _C.params, _C.attempts, _C.max_attempts, _C.actor_id, _C.unit_id)
)
HEARTBEATS = (
    update(JOBS)
    .where(MINE_MANY)
    .values(heartbeat_at=bindparam("b_now"))
    .returning(_C.id, _C.cancel_requested)
)
FINISH_MANY = (
    update(JOBS)
    .where(MINE_MANY)
    .values(
        status="succeeded",
        result=None,
        error=None,
        progress_done=0,
        progress_total=None,
        counts={},
        finished_at=bindparam("b_now"),
        updated_at=bindparam("b_now"),
    )
    .returning(_C.id)
)
FINISH_DETAILS = (
    update(JOBS)
    .where(_C.id == bindparam("b_job"))
    .values(
        result=bindparam("b_result", type_=JOBS.c.result.type),
        progress_done=bindparam("b_done"),
        progress_total=bindparam("b_total"),
        counts=bindparam("b_counts", type_=JOBS.c.counts.type),
    )
)
PROGRESS = (
    update(JOBS)
    .where(MINE)
    .values(
        progress_done=bindparam("b_done"),
        progress_total=bindparam("b_total"),
        counts=bindparam("b_counts", type_=JOBS.c.counts.type),
        heartbeat_at=bindparam("b_now"),
        updated_at=bindparam("b_now"),
    )
)
FINISH = (
    update(JOBS)
    .where(MINE)
    .values(
        status="succeeded",
        result=bindparam("b_result", type_=JOBS.c.result.type),
        error=None,
        progress_done=bindparam("b_done"),
        progress_total=bindparam("b_total"),
        counts=bindparam("b_counts", type_=JOBS.c.counts.type),
        finished_at=bindparam("b_now"),
        updated_at=bindparam("b_now"),
    )
    .returning(_C.id)
)


async def _execute(
    session: AsyncSession, stmt: Any, params: dict[str, Any] | list[dict[str, Any]]
) -> Any:
    conn = await session.connection()
    return await conn.execute(stmt, params)


async def claim(
    session: AsyncSession,
    *,
    job_ids: Sequence[int],
    worker_id: str,
    now: datetime,
    stale_before: datetime,
) -> list[dict[str, Any]]:
    """Take those of the jobs that are queued and due, or running with a silent worker."""
    params = {"b_ids": list(job_ids), "b_worker": worker_id, "b_now": now, "b_stale": stale_before}
    return [dict(row) for row in (await _execute(session, CLAIM, params)).mappings()]


async def actors(session: AsyncSession, user_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """Role and unit of the users who asked for the jobs, by user id."""
    stmt = select(User.id, User.role, User.unit_id).where(User.id.in_(list(user_ids)))
    return {row["id"]: row for row in await fetch_all(session, stmt)}


async def heartbeat(
    session: AsyncSession, *, job_ids: Sequence[int], worker_id: str, now: datetime
) -> dict[int, bool]:
    """Refresh the heartbeats of this worker's jobs: {job id: cancellation asked}.

    A job missing from the answer is no longer this worker's.
    """
    params = {"b_ids": list(job_ids), "b_worker": worker_id, "b_now": now}
    rows = (await _execute(session, HEARTBEATS, params)).all()
    return {row[0]: bool(row[1]) for row in rows}


async def save_progress(
    session: AsyncSession,
    *,
    job_id: int,
    worker_id: str,
    done: int,
    total: int | None,
    counts: dict[str, int],
    now: datetime,
) -> None:
    params = {
        "b_job": job_id, "b_worker": worker_id, "b_done": done, "b_total": total,
        "b_counts": counts, "b_now": now,
    }  # fmt: skip
    await _execute(session, PROGRESS, params)


async def finish(
    session: AsyncSession,
    *,
    job_id: int,
    worker_id: str,
    result: dict[str, Any] | None,
    done: int,
    total: int | None,
    counts: dict[str, int],
    now: datetime,
) -> bool:
    """Mark the job succeeded in the transaction of its effect; False if another worker owns it."""
    params = {
        "b_job": job_id, "b_worker": worker_id, "b_result": result, "b_done": done,
        "b_total": total, "b_counts": counts, "b_now": now,
    }  # fmt: skip
    return (await _execute(session, FINISH, params)).first() is not None


async def finish_many(
    session: AsyncSession, *, jobs: Sequence[Finished], worker_id: str, now: datetime
) -> set[int]:
    """Mark jobs without a database effect succeeded in one statement; returns those still ours."""
    params = {"b_ids": [job.job_id for job in jobs], "b_worker": worker_id, "b_now": now}
    won = set((await _execute(session, FINISH_MANY, params)).scalars())
    details = [
        {"b_job": job.job_id, "b_result": job.result, "b_done": job.done,
         "b_total": job.total, "b_counts": job.counts}
        for job in jobs
        if job.job_id in won and (job.result is not None or job.done or job.total or job.counts)
    ]  # fmt: skip
    if details:
        await _execute(session, FINISH_DETAILS, details)
    return won


async def settle(
    session: AsyncSession,
    *,
    job_id: int,
    worker_id: str,
    status: str,
    error: str | None,
    now: datetime,
    run_after: datetime | None = None,
) -> bool:
    """End an attempt without success: back to the queue (retry) or failed / cancelled."""
    values: dict[str, Any] = {"status": status, "error": error, "updated_at": now}
    if status == "queued":
        values.update(run_after=run_after, dispatched_at=None, worker_id=None, heartbeat_at=None)
    else:
        values["finished_at"] = now
    stmt = update(JOBS).where(MINE).values(**values).returning(_C.id)
    params = {"b_job": job_id, "b_worker": worker_id}
    return (await _execute(session, stmt, params)).first() is not None


async def cancel(session: AsyncSession, *, job_id: int, now: datetime) -> None:
    """Cancel a queued job at once; ask a running one to stop."""
    await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "queued")
        .values(status="cancelled", cancel_requested=True, finished_at=now, updated_at=now)
        .execution_options(**NO_SYNC)
    )
    await session.execute(
        update(Job)
        .where(Job.id == job_id, Job.status == "running")
        .values(cancel_requested=True, updated_at=now)
        .execution_options(**NO_SYNC)
    )


async def due_for_dispatch(
    session: AsyncSession, *, now: datetime, redispatch_before: datetime, limit: int
) -> list[int]:
    """Queued jobs that are due and were never sent, or sent long ago and not picked up."""
    stmt = (
        select(Job.id)
        .where(
            Job.status == "queued",
            or_(Job.run_after.is_(None), Job.run_after <= now),
            or_(Job.dispatched_at.is_(None), Job.dispatched_at < redispatch_before),
        )
        .order_by(Job.id)
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


async def stale_running(
    session: AsyncSession, *, stale_before: datetime, exclude: Sequence[int], limit: int
) -> list[int]:
    """Running jobs whose worker stopped sending heartbeats (killed, frozen, cut off)."""
    stmt = (
        select(Job.id)
        .where(Job.status == "running", Job.heartbeat_at < stale_before)
        .order_by(Job.id)
        .limit(limit)
    )
    if exclude:
        stmt = stmt.where(Job.id.not_in(list(exclude)))
    return list((await session.execute(stmt)).scalars())


async def mark_dispatched(session: AsyncSession, *, ids: Sequence[int], now: datetime) -> None:
    await session.execute(
        update(Job)
        .where(Job.id.in_(list(ids)), Job.status == "queued")
        .values(dispatched_at=now)
        .execution_options(**NO_SYNC)
    )


def job_scope(principal: Principal) -> list[ColumnElement[bool]]:
    """Admins and managers see every job; everyone else only the jobs they started."""
    if principal.sees_all_units:
        return []
    return [Job.actor_id == principal.user_id]


async def get_job(
    session: AsyncSession, *, job_id: int, principal: Principal
) -> dict[str, Any] | None:
    stmt = select(*JOB_COLUMNS).where(Job.id == job_id, *job_scope(principal))
    return await fetch_one(session, stmt)


async def list_jobs(
    session: AsyncSession,
    *,
    principal: Principal,
    page: PageRequest,
    kind: str | None,
    status: str | None,
) -> Page:
    conds = job_scope(principal)
    if kind:
        conds.append(Job.kind == kind)
    if status:
        conds.append(Job.status == status)
    stmt, key, _ = paginate_statement(select(*JOB_COLUMNS).where(*conds), page, SORTS, Job.id)
    return finish_page(await fetch_all(session, stmt), page, key)
