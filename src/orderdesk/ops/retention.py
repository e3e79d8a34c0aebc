"""Retention: what orderdesk keeps, and for how long (the `cleanup.retention` daily job).

Without it the file storage and several tables only grow: export files and import uploads
and reports stay forever, finished job rows pile up, attachments outlive the item or order
they belonged to; spent login links, seen Telegram update ids and finished Telegram deliveries
are never needed again. Each run removes a bounded batch of each, so a long backlog is worked
off over several runs instead of one transaction that holds locks for minutes.

Files go first, rows after: if the transaction then fails, a row may point at a file that is
gone, which the downloads already answer as "the file is no longer available" (404).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import LoginLink
from orderdesk.catalog.models import Item
from orderdesk.db.types import utcnow
from orderdesk.files.models import Attachment
from orderdesk.files.storage import Storage, build_storage
from orderdesk.jobs.context import JobContext, settings_of
from orderdesk.jobs.models import FINISHED_STATUSES, Job
from orderdesk.jobs.registry import job_kind
from orderdesk.orders.models import Order
from orderdesk.telegram.models import TelegramDelivery, TelegramUpdate
from orderdesk.transfer.importing.models import Import

KIND = "cleanup.retention"
BATCH = 5_000
EXPORT_KIND = "export.file"
# Telegram redelivers an unacknowledged update for at most a day; two days of ids suffice.
TELEGRAM_UPDATE_DAYS = 2
LOGIN_LINK_GRACE = timedelta(days=1)  # spent/expired links stay a day for the audit trail
# Deliveries that will never be sent again; the staff cards' message ids go with them (their
# orders are long settled by then).
FINISHED_DELIVERIES = ("sent", "failed", "dropped")
IMPORTS = cast(Table, Import.__table__)
JOBS = cast(Table, Job.__table__)
ATTACHMENTS = cast(Table, Attachment.__table__)


@dataclass(slots=True)
class Purged:
    export_files: int = 0
    orphaned_attachments: int = 0
    import_files: int = 0
    jobs: int = 0
    login_links: int = 0
    telegram_updates: int = 0
    telegram_deliveries: int = 0


async def purge(
    session: AsyncSession,
    storage: Storage,
    *,
    files_days: int,
    jobs_days: int,
    now: datetime | None = None,
    batch: int = BATCH,
) -> Purged:
    """Remove one batch of everything past its retention; what was removed, by kind."""
    now = now or utcnow()
    files_before = now - timedelta(days=files_days)
    jobs_before = now - timedelta(days=max(jobs_days, files_days))
    done = Purged()
    done.export_files = await _export_files(session, storage, files_before, batch)
    done.import_files = await _import_files(session, storage, files_before, batch)
    done.orphaned_attachments = await _orphaned_attachments(session, storage, batch)
    done.jobs = await _finished_jobs(session, jobs_before, batch)
    done.login_links = await _delete_where(
        session, LoginLink.__table__, LoginLink.expires_at < now - LOGIN_LINK_GRACE, batch
    )
    done.telegram_updates = await _delete_where(
        session,
        TelegramUpdate.__table__,
        TelegramUpdate.received_at < now - timedelta(days=TELEGRAM_UPDATE_DAYS),
        batch,
    )
    done.telegram_deliveries = await _delete_where(
        session,
        TelegramDelivery.__table__,
        TelegramDelivery.status.in_(FINISHED_DELIVERIES)
        & (TelegramDelivery.created_at < jobs_before),
        batch,
    )
    return done


async def _export_files(
    session: AsyncSession, storage: Storage, before: datetime, batch: int
) -> int:
    """Delete stored export files of jobs finished before `before`; the jobs remember it."""
    rows = (
        await session.execute(
            select(JOBS.c.id, JOBS.c.result)
            .where(
                JOBS.c.kind == EXPORT_KIND,
                JOBS.c.status == "succeeded",
                JOBS.c.finished_at < before,
            )
            .order_by(JOBS.c.id)
            .limit(batch * 4)
        )
    ).all()
    pending = [(job_id, result) for job_id, result in rows if (result or {}).get("storage_key")]
    for job_id, result in pending[:batch]:
        await storage.delete(str(result["storage_key"]))
        expired = {**result, "storage_key": None, "file_expired": True}
        await session.execute(update(JOBS).where(JOBS.c.id == job_id).values(result=expired))
    return len(pending[:batch])


async def _import_files(
    session: AsyncSession, storage: Storage, before: datetime, batch: int
) -> int:
    """Delete uploads and error reports of imports older than `before` that are not running."""
    rows = (
        await session.execute(
            select(IMPORTS.c.id, IMPORTS.c.storage_key, IMPORTS.c.report_key)
            .where(
                IMPORTS.c.created_at < before,
                IMPORTS.c.status.not_in(("queued", "running")),
                (IMPORTS.c.storage_key != "") | IMPORTS.c.report_key.is_not(None),
            )
            .order_by(IMPORTS.c.id)
            .limit(batch)
        )
    ).all()
    for import_id, upload_key, report_key in rows:
        for key in (upload_key, report_key):
            if key:
                await storage.delete(key)
        await session.execute(
            update(IMPORTS).where(IMPORTS.c.id == import_id).values(storage_key="", report_key=None)
        )
    return len(rows)


async def _orphaned_attachments(session: AsyncSession, storage: Storage, batch: int) -> int:
    """Delete attachments (rows and files) whose item or order has been deleted."""
    removed = 0
    for owner_type, owners in (("item", Item.__table__), ("order", Order.__table__)):
        owner_id = cast(Table, owners).c.id
        rows = (
            await session.execute(
                select(ATTACHMENTS.c.id, ATTACHMENTS.c.storage_key)
                .where(
                    ATTACHMENTS.c.owner_type == owner_type,
                    ~select(owner_id).where(owner_id == ATTACHMENTS.c.owner_id).exists(),
                )
                .limit(batch)
            )
        ).all()
        for _, key in rows:
            await storage.delete(key)
        if rows:
            ids = [attachment_id for attachment_id, _ in rows]
            await session.execute(delete(ATTACHMENTS).where(ATTACHMENTS.c.id.in_(ids)))
        removed += len(rows)
    return removed


async def _finished_jobs(session: AsyncSession, before: datetime, batch: int) -> int:
    """Delete rows of jobs that finished before `before` (their files went earlier)."""
    ids = (
        await session.scalars(
            select(JOBS.c.id)
            .where(JOBS.c.status.in_(FINISHED_STATUSES), JOBS.c.finished_at < before)
            .order_by(JOBS.c.id)
            .limit(batch)
        )
    ).all()
    if ids:
        await session.execute(delete(JOBS).where(JOBS.c.id.in_(ids)))
    return len(ids)


async def _delete_where(session: AsyncSession, table: Any, condition: Any, batch: int) -> int:
    key = next(iter(table.primary_key.columns))
    ids = (await session.scalars(select(key).where(condition).limit(batch))).all()
    if ids:
        await session.execute(delete(table).where(key.in_(ids)))
    return len(ids)


@job_kind(KIND, timeout_seconds=1800, max_attempts=3)
async def cleanup_retention(ctx: JobContext) -> dict[str, Any]:
    """One batch of retention clean-up; days come from the job parameters or the settings."""
    settings = settings_of(ctx.session)
    files_days = int(ctx.params.get("files_days", settings.retention_files_days))
    jobs_days = int(ctx.params.get("jobs_days", settings.retention_jobs_days))
    done = await purge(
        ctx.session, build_storage(settings), files_days=files_days, jobs_days=jobs_days
    )
    return {**asdict(done), "files_days": files_days, "jobs_days": jobs_days}
