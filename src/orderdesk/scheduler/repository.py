"""The scheduler's SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.jobs.models import Job


async def job_exists(session: AsyncSession, dedupe_key: str) -> bool:
    """Whether a job with this dedupe key was already enqueued."""
    found = await session.scalar(select(Job.id).where(Job.dedupe_key == dedupe_key))
    return found is not None
