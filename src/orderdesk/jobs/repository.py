"""All SQL of the jobs domain. Every state change is a compare-and-set on the job row."""

from __future__ import annotations

from collections.abc import Sequence
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
# The statements of the job loop are built once: jobs are a hot path (1,000+ per second).
CLAIM = (
    update(JOBS)
    .where(
        _C.id == bindparam("b_job"),
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
HEARTBEAT = (
    update(JOBS).where(MINE).values(heartbeat_at=bindparam("b_now")).returning(_C.cancel_requested)
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


async def _execute(session: AsyncSession, stmt: Any, params: dict[str, Any]) -> Any:
    conn = await session.connection()
    return await conn.execute(stmt, params)


async def claim(
    session: AsyncSession, *, job_id: int, worker_id: str, now: datetime, stale_before: datetime
) -> dict[str, Any] | None:
    """Take a queued (due) job, or a running one whose worker stopped sending heartbeats."""
    params = {"b_job": job_id, "b_worker": worker_id, "b_now": now, "b_stale": stale_before}
    row = (await _execute(session, CLAIM, params)).mappings().first()
    return dict(row) if row else None


async def actor(session: AsyncSession, user_id: int) -> dict[str, Any] | None:
    return await fetch_one(
        session, select(User.role, User.unit_id, User.status).where(User.id == user_id)
    )


async def heartbeat(
    session: AsyncSession, *, job_id: int, worker_id: str, now: datetime
) -> bool | None:
    """Refresh the heartbeat; returns whether cancellation was asked, None if the job is lost."""
    params = {"b_job": job_id, "b_worker": worker_id, "b_now": now}
    value = (await _execute(session, HEARTBEAT, params)).scalar_one_or_none()
    return None if value is None else bool(value)


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
