"""All SQL of the jobs domain. Every state change is a compare-and-set on the job row."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
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


async def claim(
    session: AsyncSession, *, job_id: int, worker_id: str, now: datetime, stale_before: datetime
) -> dict[str, Any] | None:
    """Take a queued (due) job, or a running one whose worker stopped sending heartbeats."""
    claimable = or_(
        and_(
            Job.status == "queued",
            Job.cancel_requested.is_(False),
            or_(Job.run_after.is_(None), Job.run_after <= now),
        ),
        and_(Job.status == "running", Job.heartbeat_at < stale_before),
    )
    stmt = (
        update(Job)
        .where(Job.id == job_id, claimable)
        .values(
            status="running",
            attempts=Job.attempts + 1,
            started_at=now,
            heartbeat_at=now,
            worker_id=worker_id,
            updated_at=now,
        )
        .returning(
            Job.id, Job.kind, Job.params, Job.attempts, Job.max_attempts, Job.actor_id, Job.unit_id
        )
        .execution_options(**NO_SYNC)
    )
    row = (await session.execute(stmt)).mappings().first()
    return dict(row) if row else None


async def actor(session: AsyncSession, user_id: int) -> dict[str, Any] | None:
    return await fetch_one(
        session, select(User.role, User.unit_id, User.status).where(User.id == user_id)
    )


def _mine(job_id: int, worker_id: str) -> tuple[ColumnElement[bool], ...]:
    return (Job.id == job_id, Job.worker_id == worker_id, Job.status == "running")


async def heartbeat(
    session: AsyncSession, *, job_id: int, worker_id: str, now: datetime
) -> bool | None:
    """Refresh the heartbeat; returns whether cancellation was asked, None if the job is lost."""
    stmt = (
        update(Job)
        .where(*_mine(job_id, worker_id))
        .values(heartbeat_at=now)
        .returning(Job.cancel_requested)
        .execution_options(**NO_SYNC)
    )
    value = (await session.execute(stmt)).scalar_one_or_none()
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
    stmt = (
        update(Job)
        .where(*_mine(job_id, worker_id))
        .values(
            progress_done=done,
            progress_total=total,
            counts=counts,
            heartbeat_at=now,
            updated_at=now,
        )
        .execution_options(**NO_SYNC)
    )
    await session.execute(stmt)


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
    stmt = (
        update(Job)
        .where(*_mine(job_id, worker_id))
        .values(
            status="succeeded",
            result=result,
            error=None,
            progress_done=done,
            progress_total=total,
            counts=counts,
            finished_at=now,
            updated_at=now,
        )
        .returning(Job.id)
        .execution_options(**NO_SYNC)
    )
    return (await session.execute(stmt)).first() is not None


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
    stmt = (
        update(Job)
        .where(*_mine(job_id, worker_id))
        .values(**values)
        .returning(Job.id)
        .execution_options(**NO_SYNC)
    )
    return (await session.execute(stmt)).first() is not None


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
