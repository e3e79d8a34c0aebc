"""Job use cases: enqueue inside the caller's transaction; dispatch happens after commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.jobs.models import Job


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
    )
    session.add(job)
    await session.flush()
    return job
