"""Telegram jobs: `telegram.send` drains the deliveries, `telegram.report` owes the reports."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.db.types import utcnow
from orderdesk.files.storage import build_storage
from orderdesk.jobs.context import JobContext, JobFailed
from orderdesk.jobs.registry import job_kind
from orderdesk.settings import Settings

log = structlog.get_logger("orderdesk.telegram")
SEND = "telegram.send"
REPORT = "telegram.report"
# A sender waits this long for retries coming due before it leaves them to a later job.
LINGER_SECONDS = 5.0


async def request_sending(
    session: AsyncSession, *, run_after: datetime | None = None, dedupe_key: str | None = None
) -> None:
    """Queue a send job in the caller's transaction (it starts after the commit)."""
    from orderdesk.jobs.service import enqueue

    await enqueue(
        session, kind=SEND, params={}, run_after=run_after, dedupe_key=dedupe_key, max_attempts=5
    )


def _resources(ctx: JobContext) -> tuple[Settings, async_sessionmaker[AsyncSession]]:
    queue = ctx.session.info.get("job_queue")
    settings = getattr(queue, "settings", None)
    sessions = getattr(queue, "sessions", None)
    if not isinstance(settings, Settings) or sessions is None:
        raise JobFailed("job.failed")
    return settings, sessions


@job_kind(SEND, timeout_seconds=3600, max_attempts=5, backoff_seconds=2.0)
async def send_job(ctx: JobContext) -> dict[str, Any]:
    """Send what is due for a while; leave a follow-up job for retries that come due later."""
    settings, sessions = _resources(ctx)
    if not settings.telegram_enabled:
        return {"skipped": "telegram is off"}
    from orderdesk.telegram.sending import send_pending

    deadline = time.monotonic() + settings.telegram_send_job_seconds
    stats = await send_pending(
        settings, sessions, storage=build_storage(settings), deadline=deadline,
        linger=LINGER_SECONDS,
    )  # fmt: skip
    if stats.next_due is not None:
        await _follow_up(sessions, stats.next_due)
    return stats.as_dict()


async def _follow_up(sessions: async_sessionmaker[AsyncSession], due: datetime) -> None:
    """A send job for when the next delivery comes due (one per second of due time)."""
    now = utcnow()
    run_after = due if due > now else None
    # Work already due (this job ran out of time) gets a fresh job; a future due time is
    # keyed, so the senders that stop together leave one follow-up, not one each.
    key = f"{SEND}:{due.strftime('%Y%m%dT%H%M%S')}" if run_after is not None else None
    async with sessions() as session:
        try:
            await request_sending(session, run_after=run_after, dedupe_key=key)
            await session.commit()
        except IntegrityError:
            await session.rollback()  # another sender queued the same follow-up


@job_kind(REPORT, timeout_seconds=1800, max_attempts=3)
async def report_job(ctx: JobContext) -> dict[str, Any]:
    """Store the report's XLSX and owe it to every staff chat (params: kind daily|weekly)."""
    settings, _ = _resources(ctx)
    kind = ctx.params.get("kind", "weekly")
    if kind not in ("daily", "weekly"):
        raise JobFailed("job.failed")
    if not settings.telegram_enabled:
        return {"skipped": "telegram is off"}
    from orderdesk.telegram.reports import prepare_report

    now = datetime.fromisoformat(ctx.params["now"]) if ctx.params.get("now") else utcnow()
    added = await prepare_report(ctx.session, settings, build_storage(settings), kind=kind, now=now)
    if added:
        await request_sending(ctx.session)
    return {"kind": kind, "deliveries": added}
