"""The `export.file` job: build a big XLSX/PDF (or any format) into the file storage."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.db.engine import create_engine
from orderdesk.files.storage import CHUNK_SIZE, build_storage
from orderdesk.jobs.context import JobContext, settings_of
from orderdesk.jobs.registry import job_kind
from orderdesk.settings import Settings
from orderdesk.transfer.export import service
from orderdesk.transfer.export.schemas import ExportSpec

KIND = "export.file"


def download_url(job_id: int) -> str:
    return f"/api/v1/exports/{job_id}/file"


def storage_key(job_id: int, extension: str) -> str:
    """One key per job: a retried attempt replaces its file instead of leaving another."""
    return f"exports/job-{job_id}.{extension}"


@asynccontextmanager
async def _reading(ctx: JobContext, settings: Settings) -> AsyncIterator[AsyncSession]:
    """A session to read the rows in.

    On SQLite the job's own transaction holds the database's only write lock from its first
    statement on; reading a long export through it would stall every writer meanwhile.
    """
    if ctx.session.get_bind().dialect.name != "sqlite":
        yield ctx.session
        return
    engine = create_engine(settings)
    try:
        async with AsyncSession(engine) as session:
            yield session
    finally:
        await engine.dispose()


async def _chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            yield chunk


@job_kind(KIND, timeout_seconds=3600, max_attempts=2)
async def export_file(ctx: JobContext) -> dict[str, Any]:
    """Write the export described by the job's parameters and store it for download."""
    settings = settings_of(ctx.session)
    spec = ExportSpec.model_validate(ctx.params)
    with tempfile.TemporaryDirectory(prefix="orderdesk-export-") as folder:
        async with _reading(ctx, settings) as session:
            plan = await service.prepare(
                session=session, principal=ctx.actor, spec=spec, settings=settings
            )
            total = await service.count_rows(session, plan)
            service.check_size(plan, total, settings)
            await ctx.report(done=0, total=total, force=True)

            async def progress(done: int) -> None:
                await ctx.report(done=done)

            path = Path(folder) / f"export.{plan.info.extension}"
            rows = await service.write_file(session, plan, path, total=total, progress=progress)
        key = storage_key(ctx.job_id, plan.info.extension)
        size = await build_storage(settings).put(key, _chunks(path))
    await ctx.report(done=rows, total=max(total, rows), force=True)
    return {
        "target": spec.target,
        "format": plan.fmt.value,
        "rows": rows,
        "file_name": plan.filename,
        "content_type": plan.info.media_type,
        "size": size,
        "storage_key": key,
        "download_url": download_url(ctx.job_id),
    }
