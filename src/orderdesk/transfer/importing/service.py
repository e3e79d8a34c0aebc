"""Import use cases: upload, preview, commit as a job, follow, report, cancel."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.core.errors import Conflict, Forbidden, NotFound
from orderdesk.core.i18n import t
from orderdesk.core.pagination import Page, PageRequest
from orderdesk.core.permissions import Principal, Role
from orderdesk.files import upload as uploads
from orderdesk.files.names import sanitize_filename
from orderdesk.files.storage import Storage, StoredObjectMissing, discard, new_key
from orderdesk.jobs import repository as jobs_repo
from orderdesk.jobs import service as jobs
from orderdesk.transfer import messages_import  # noqa: F401  (registers the texts)
from orderdesk.transfer.importing import repository as repo
from orderdesk.transfer.importing.models import Import
from orderdesk.transfer.importing.plan import check_permission, require_complete
from orderdesk.transfer.importing.preview import build_preview, frozen_options
from orderdesk.transfer.importing.report import entries, render_csv, render_xlsx
from orderdesk.transfer.importing.schemas import ImportOptions

IMPORT_NOT_FOUND = "import.not_found"
_LIVE = frozenset({"queued", "running"})


def _ensure_importer(principal: Principal) -> None:
    if principal.role is Role.customer:
        raise Forbidden("import.forbidden")


async def _duplicate(session: AsyncSession, sha256: str, import_id: int) -> dict[str, Any] | None:
    earlier = await repo.earlier_with_sha256(session, sha256, import_id)
    if earlier is None:
        return None
    return {
        "import_id": earlier["id"],
        "created_at": earlier["created_at"],
        "status": earlier["status"],
        "message": t(
            "import.duplicate",
            id=earlier["id"],
            date=earlier["created_at"].strftime("%Y-%m-%d %H:%M"),
        ),
    }


async def upload(
    *,
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    policy: uploads.UploadPolicy,
    incoming: uploads.IncomingFile,
) -> dict[str, Any]:
    """Store the file (size-limited, hashed); warn when the same bytes were uploaded before."""
    _ensure_importer(principal)
    name = sanitize_filename(incoming.name)
    uploads.check_size(await asyncio.to_thread(uploads.file_size, incoming.file), policy)
    key = f"imports/{new_key()}"
    stored = await uploads.store(storage, key, incoming.file, policy)
    try:
        imp = Import(
            original_name=name, storage_key=key, size=stored.size, sha256=stored.sha256,
            actor_id=principal.user_id, unit_id=principal.unit_id, options={}, mapping={},
            value_maps={}, counts={}, report={},
        )  # fmt: skip
        session.add(imp)
        await session.flush()
        await audit.record(
            session, action="import.upload", actor=principal, entity_type="import",
            entity_id=imp.id, after={"name": name, "sha256": stored.sha256, "size": stored.size},
        )  # fmt: skip
    except BaseException:
        await discard(storage, key)
        raise
    return await get_import(session=session, principal=principal, import_id=imp.id)


async def _row(session: AsyncSession, principal: Principal, import_id: int) -> dict[str, Any]:
    _ensure_importer(principal)
    row = await repo.get_import_row(session, import_id, principal)
    if row is None:
        raise NotFound(IMPORT_NOT_FOUND, id=import_id)
    return row


async def _with_job(session: AsyncSession, row: dict[str, Any]) -> dict[str, Any]:
    """An import whose job ended without recording its outcome shows the job's outcome."""
    if row["status"] in _LIVE and row["job_id"] is not None:
        job = await jobs_repo.get_job(session, job_id=row["job_id"], principal=Principal.system())
        if job is not None and job["status"] in ("running", "failed", "cancelled"):
            row["status"] = job["status"]
            row["error"] = row["error"] or job["error"]
    return row


async def get_import(
    *, session: AsyncSession, principal: Principal, import_id: int
) -> dict[str, Any]:
    row = await _with_job(session, await _row(session, principal, import_id))
    row["duplicate_of"] = await _duplicate(session, row["sha256"], import_id)
    row.pop("storage_key", None)
    row.pop("report_key", None)
    return row


async def list_imports(*, session: AsyncSession, principal: Principal, page: PageRequest) -> Page:
    _ensure_importer(principal)
    result = await repo.list_imports(session, principal, page)
    result.items = [await _with_job(session, row) for row in result.items]
    return result


async def preview(
    *,
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    import_id: int,
    options: ImportOptions,
) -> dict[str, Any]:
    """Detect the file, propose a mapping (profile or auto), check the first rows."""
    row = await _row(session, principal, import_id)
    check_permission(principal, options)
    result, _ = await build_preview(session, principal, storage, row, options)
    result["duplicate_of"] = await _duplicate(session, row["sha256"], import_id)
    return result


async def commit(
    *,
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    import_id: int,
    options: ImportOptions,
) -> dict[str, Any]:
    """Check the plan against the file's header, then queue the commit job."""
    row = await _with_job(session, await _row(session, principal, import_id))
    if row["status"] in _LIVE and row["job_id"] is not None:
        raise Conflict("import.in_progress", status=row["status"])
    if row["status"] == "succeeded" and not row["dry_run"]:
        raise Conflict("import.already_committed")
    check_permission(principal, options)
    result, plan = await build_preview(session, principal, storage, row, options, rows=0)
    require_complete(plan)
    # The job applies exactly what was checked here, even if profiles change meanwhile.
    stored = frozen_options(options, result, plan)
    job = await jobs.enqueue(
        session, kind="import.commit", params={"import_id": import_id},
        actor_id=principal.user_id, unit_id=principal.unit_id, max_attempts=1,
    )  # fmt: skip
    await repo.set_import(
        session, import_id, status="queued", job_id=job.id, target=options.target,
        type_code=stored.type, mode=options.mode, key=plan.target.key, partial=options.partial,
        dry_run=options.dry_run, options=stored.model_dump(mode="json"), mapping=plan.mapping,
        value_maps=plan.value_maps, profile_id=plan.profile["id"] if plan.profile else None,
        format=result["format"], encoding=result["encoding"], delimiter=result["delimiter"],
        counts={}, report={}, error=None, finished_at=None,
    )  # fmt: skip
    return await get_import(session=session, principal=principal, import_id=import_id)


async def cancel(
    *, session: AsyncSession, principal: Principal, import_id: int, stopped_here: bool = False
) -> dict[str, Any]:
    """Cancel the import's job; a running import rolls back everything it wrote."""
    row = await _row(session, principal, import_id)
    if row["job_id"] is None:
        raise Conflict("import.not_started")
    await jobs.cancel_job(
        session=session, principal=principal, job_id=row["job_id"], stopped_here=stopped_here
    )
    return await get_import(session=session, principal=principal, import_id=import_id)


async def report(
    *,
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    import_id: int,
    fmt: str,
    locale: str,
) -> tuple[str, Any]:
    """The error report as CSV chunks or an XLSX file path."""
    row = await _row(session, principal, import_id)
    if not row["report_key"]:
        raise NotFound("import.no_report", id=import_id)
    try:
        chunks = await storage.open(row["report_key"])
    except StoredObjectMissing:
        raise NotFound("import.no_report", id=import_id) from None
    if fmt == "xlsx":
        path: Path = await render_xlsx(entries(chunks), locale)
        return row["original_name"], path
    return row["original_name"], render_csv(entries(chunks), locale)


async def job_id_of(*, session: AsyncSession, principal: Principal, import_id: int) -> int | None:
    row = await _row(session, principal, import_id)
    job_id: int | None = row["job_id"]
    return job_id
