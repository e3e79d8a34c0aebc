"""`orderdesk import FILE`: the API's pipeline, run in this process with a progress bar."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orderdesk.container import Container
from orderdesk.core.permissions import Principal
from orderdesk.files.upload import IncomingFile, UploadPolicy
from orderdesk.jobs.context import JobFailed
from orderdesk.transfer.importing import repository as repo
from orderdesk.transfer.importing import service
from orderdesk.transfer.importing.jobs import Progress, run_import
from orderdesk.transfer.importing.plan import require_complete
from orderdesk.transfer.importing.preview import build_preview
from orderdesk.transfer.importing.report import entries, render_csv
from orderdesk.transfer.importing.schemas import ImportOptions


@dataclass(slots=True)
class Outcome:
    import_id: int
    status: str
    counts: dict[str, int]
    error: str | None
    report_path: Path | None
    duplicate_of: dict[str, Any] | None


async def _prepare(container: Container, path: Path, options: ImportOptions) -> dict[str, Any]:
    """Store the file and record the import with its checked plan (as upload + commit do)."""
    principal = Principal.system()
    async with container.write_sessions() as session:
        with path.open("rb") as handle:
            row = await service.upload(
                session=session, principal=principal, storage=container.storage,
                policy=UploadPolicy.for_imports(container.settings),
                incoming=IncomingFile(name=path.name, file=handle),
            )  # fmt: skip
        stored = await repo.get_import_row(session, row["id"], principal)
        assert stored is not None
        _, plan = await build_preview(
            session, principal, container.storage, stored, options, rows=0
        )
        require_complete(plan)
        chosen = options.model_copy(update={"type": plan.target.options.type_code})
        await repo.set_import(
            session, row["id"], status="queued", target=options.target, type_code=chosen.type,
            mode=options.mode, key=plan.target.key, partial=options.partial,
            dry_run=options.dry_run, options=chosen.model_dump(mode="json"), mapping=plan.mapping,
            value_maps=plan.value_maps,
        )  # fmt: skip
        await session.commit()
    return row


async def _write_report(container: Container, import_id: int, target: Path) -> Path | None:
    async with container.read_sessions() as session:
        row = await repo.get_import_row(session, import_id, Principal.system())
    if row is None or not row["report_key"]:
        return None
    chunks = await container.storage.open(row["report_key"])
    with target.open("wb") as handle:
        async for part in render_csv(entries(chunks), "ru"):
            handle.write(part)
    return target


async def import_file(
    container: Container,
    path: Path,
    options: ImportOptions,
    *,
    progress: Progress,
    report_path: Path,
    chunk: int = 10_000,
) -> Outcome:
    """Import a local file; the outcome says what was committed and where the report went."""
    row = await _prepare(container, path, options)
    error = None
    async with container.write_sessions() as session:
        try:
            await run_import(
                session, Principal.system(), row["id"], storage=container.storage,
                progress=progress, chunk=chunk,
            )  # fmt: skip
            await session.commit()
        except JobFailed as exc:
            error = str(exc.body().get("detail"))
    async with container.read_sessions() as session:
        final = await repo.get_import_row(session, row["id"], Principal.system())
    assert final is not None
    written = await _write_report(container, row["id"], report_path)
    return Outcome(row["id"], final["status"], final["counts"], error, written, row["duplicate_of"])
