"""The commit of an import: stream chunks, convert, check, write in bulk; one transaction.

Atomic by default: after the first rejected row nothing more is written (the rest is only
checked, so the report is complete) and the transaction is rolled back at the end. The import
row then records the failure and the report in a commit of its own — the only commit a job
handler makes, and it carries none of the import's effect (see ADR 0014).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import threading
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, NoReturn

import asyncpg  # type: ignore[import-untyped]
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.core.i18n import t
from orderdesk.core.permissions import Principal
from orderdesk.db.types import utcnow
from orderdesk.files.storage import Storage, build_storage
from orderdesk.jobs.context import JobContext, JobFailed, settings_of
from orderdesk.jobs.registry import job_kind
from orderdesk.transfer.formats.base import Limits, Row
from orderdesk.transfer.importing import profiles, seams
from orderdesk.transfer.importing import repository as repo
from orderdesk.transfer.importing.plan import Plan
from orderdesk.transfer.importing.reading import SkippedSheet, Table, local_copy, open_tables
from orderdesk.transfer.importing.report import RejectionLog
from orderdesk.transfer.importing.schemas import ImportOptions
from orderdesk.transfer.importing.sheets import (
    SheetsSeen,
    each_sheet,
    raise_unimportable,
    zone_name,
)
from orderdesk.transfer.importing.targets.base import ParsedRow, Rejection

CHUNK_ROWS = 10_000
# COPY on the raw asyncpg connection raises the driver's own error, not SQLAlchemy's.
UNIQUE_VIOLATIONS = (IntegrityError, asyncpg.exceptions.IntegrityConstraintViolationError)
Progress = Callable[[int, dict[str, int]], Awaitable[None]]
# A PostgreSQL import that wrote at least this many records analyses the target's tables in
# its own transaction (counted with its own new rows, committed or rolled back with them):
# until autovacuum gets to it, the planner would take a big table for an empty one — keyset
# pages of an export then ran a bitmap scan + sort of every order of the type instead of an
# index scan (31 ms instead of 0.7 ms per page at 50,000 orders, growing with the table).
ANALYZE_AFTER_ROWS = 10_000
ANALYZED_TABLES = {
    "orders": ("orders", "order_lines", "order_events"),
    "items": ("items",),
    "users": ("users",),
}
# Awaited after every chunk; tests use it to cancel an import half-way.
CHUNK_HOOKS: list[Callable[[int], Awaitable[None]]] = []


@dataclass(slots=True)
class Tally:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    log: RejectionLog = field(default_factory=RejectionLog)

    def counts(self, committed: bool = True) -> dict[str, int]:
        kept = (self.created, self.updated, self.unchanged) if committed else (0, 0, 0)
        return {
            "rows": self.rows,
            "created": kept[0],
            "updated": kept[1],
            "unchanged": kept[2],
            "skipped": self.skipped,
            "rejected": self.log.rows,
            "errors": self.log.count,
        }


class _GcPause:
    """The cyclic garbage collector off while chunks are converted, checked and written.

    A chunk allocates ~10 containers per row that live until it is written (rows, values,
    orders, lines, records), so the collector ran hundreds of times per chunk and walked them
    all again and again: measured 20 % of an orders import's CPU (ADR 0014 "Performance").
    Reference counting still frees everything; cycles wait until the chunk is done, when the
    collector is switched back on (only if it was on, and only when no import pauses it).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._was_enabled:
                    gc.enable()


gc_paused = _GcPause()


@dataclass(slots=True)
class _Chunk:
    size: int
    parsed: list[ParsedRow]
    rejected: list[Rejection]


def _read_chunk(plan: Plan, rows: Iterator[tuple[int, Row]], size: int) -> _Chunk:
    """Take and convert up to `size` rows: file reading and cell parsing, no database."""
    parsed: list[ParsedRow] = []
    rejected: list[Rejection] = []
    read = plan.reader.read
    count = 0
    for number, row in itertools.islice(rows, size):
        count += 1
        got = read(number, row)
        if isinstance(got, list):
            rejected.extend(got)
        else:
            parsed.append(got)
    return _Chunk(count, parsed, rejected)


def _split_tail(plan: Plan, parsed: list[ParsedRow]) -> tuple[list[ParsedRow], list[ParsedRow]]:
    """Keep the rows of the chunk's last order for the next chunk: an order is never cut in two."""
    if plan.options.target != "orders" or not parsed:
        return parsed, []
    key = plan.target.key
    last = parsed[-1].values.get(key)
    if last is None:
        return parsed, []
    # One pass: the order's rows may be anywhere in the chunk (a file not sorted by order).
    now, later = list[ParsedRow](), list[ParsedRow]()
    for row in parsed:
        (later if row.values.get(key) == last else now).append(row)
    return now, later


async def _process(plan: Plan, tally: Tally, parsed: list[ParsedRow], write: bool) -> None:
    if not parsed:
        return
    result = await plan.target.process(parsed, write=write)
    tally.created += result.created
    tally.updated += result.updated
    tally.unchanged += result.unchanged
    tally.skipped += result.skipped
    tally.log.add(result.rejected)


async def stream(
    plan: Plan,
    rows: Iterator[tuple[int, Row]],
    *,
    write: bool,
    progress: Progress,
    chunk: int,
    tally: Tally | None = None,
) -> Tally:
    """Convert, check and (unless told not to) write the rows chunk by chunk."""
    tally, carry = tally or Tally(), list[ParsedRow]()
    atomic = not plan.options.partial
    # Reading and converting run in a worker thread, so the event loop stays free meanwhile.
    # Not read ahead while the previous chunk is written: measured on 2 busy cores, the GIL
    # hand-overs on every database round trip cost more than the overlap gained.
    while True:
        with gc_paused():
            batch = await asyncio.to_thread(_read_chunk, plan, rows, chunk)
            if not batch.size:
                break
            tally.log.add(batch.rejected)
            parsed, carry = _split_tail(plan, carry + batch.parsed)
            await _process(plan, tally, parsed, write and not (atomic and tally.log.count))
        tally.rows += batch.size
        await progress(tally.rows, tally.counts())
        for hook in CHUNK_HOOKS:
            await hook(tally.rows)
    with gc_paused():
        await _process(plan, tally, carry, write and not (atomic and tally.log.count))
    return tally


def storage_for(session: AsyncSession) -> Storage:
    """The files storage of this process's settings (the job session knows them)."""
    return build_storage(settings_of(session))


async def run_import(
    session: AsyncSession,
    principal: Principal,
    import_id: int,
    *,
    storage: Storage,
    progress: Progress,
    chunk: int = CHUNK_ROWS,
) -> dict[str, Any]:
    """Apply one uploaded import in the session's transaction; the caller commits."""
    imp = await repo.get_import(session, import_id)
    if imp is None:
        raise JobFailed("import.not_found", id=import_id)
    options = ImportOptions.model_validate(imp.options)
    await repo.set_import(session, import_id, status="running", updated_at=utcnow())
    tally, seen = Tally(), SheetsSeen()
    try:
        async with local_copy(storage, imp.storage_key, PurePath(imp.original_name).suffix) as path:
            source, tables = await asyncio.to_thread(
                open_tables, path, imp.original_name, Limits(), sheet=options.sheet,
                header_row=options.header_row,
            )  # fmt: skip
            await _stream_sheets(
                session, principal, imp.id, options, tables, seen, tally, progress, chunk
            )  # fmt: skip
        seen.add_archive_skips(source, imp.original_name)
        first = next(p for p in seen.planned if p.included)
        assert first.plan is not None
        return await _settle(
            session, principal, imp.id, first.plan, tally, storage, first.table.headers,
            seen.report(),
        )  # fmt: skip
    finally:
        tally.log.close()


async def _stream_sheets(
    session: AsyncSession,
    principal: Principal,
    import_id: int,
    options: ImportOptions,
    tables: Iterator[Table | SkippedSheet],
    seen: SheetsSeen,
    tally: Tally,
    progress: Progress,
    chunk: int,
) -> None:
    """Every sheet that maps, in file order, into one tally (atomic across all of them)."""
    zone = None
    write = not options.dry_run
    try:
        async for planned in each_sheet(session, principal, options, tables, seen):
            if planned.plan is None or not planned.included:
                continue
            zone = zone or seams.time_zone(zone_name(options, planned.plan))
            tally.log.sheet = planned.table.sheet
            with seams.naive_datetimes_in(zone):
                await stream(
                    planned.plan, planned.table.rows, write=write, progress=progress,
                    chunk=chunk, tally=tally,
                )  # fmt: skip
    except UNIQUE_VIOLATIONS as exc:
        await _conflict(session, import_id, exc)
    if zone is None:
        raise_unimportable(seen)


async def _conflict(session: AsyncSession, import_id: int, exc: Exception) -> NoReturn:
    """A value the file brings clashes with another record's unique value (e.g. an email)."""
    await session.rollback()
    detail = str(getattr(exc, "orig", exc)).splitlines()[0][:500]
    message = t("import.conflict", "en", detail=detail)
    await _finish(session, import_id, "failed", {}, {}, None, message)
    await session.commit()  # the failure only, as for rejected rows
    raise JobFailed("import.conflict", detail=detail) from exc


async def _settle(
    session: AsyncSession,
    principal: Principal,
    import_id: int,
    plan: Plan,
    tally: Tally,
    storage: Storage,
    headers: list[str],
    sheets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    options = plan.options
    report: dict[str, Any] = {"errors": tally.log.count, "first": tally.log.first, **(sheets or {})}
    report_key = f"imports/{import_id}/report.ndjson" if tally.log.count else None
    if report_key:
        await tally.log.save(storage, report_key)
    failed = bool(tally.log.count) and not options.partial and not options.dry_run
    if failed:
        await session.rollback()
        detail = t("import.rejected", "en", count=tally.log.rows)
        await _finish(session, import_id, "failed", tally.counts(False), report, report_key, detail)
        await session.commit()  # the failure and its report, nothing of the import
        raise JobFailed("import.rejected", count=tally.log.rows)
    if options.save_profile and not options.dry_run:
        await profiles.save_profile(
            session=session, principal=principal, name=options.save_profile,
            target=options.target, type_code=plan.target.options.type_code, headers=headers,
            mapping=plan.mapping, value_maps=plan.value_maps,
            options={"timezone": options.timezone} if options.timezone else None,
        )  # fmt: skip
    counts = tally.counts(not options.dry_run)
    if not options.dry_run:
        await _analyze(session, options.target, tally.created + tally.updated)
    await _finish(session, import_id, "succeeded", counts, report, report_key, None)
    await audit.record(
        session, action="import.commit", actor=principal, entity_type="import",
        entity_id=import_id, after={"target": options.target, "mode": options.mode, **counts},
    )  # fmt: skip
    return {"import_id": import_id, "counts": counts, "dry_run": options.dry_run}


async def _analyze(session: AsyncSession, target: str, written: int) -> None:
    """Refresh the planner's statistics of the tables a big import filled (PostgreSQL)."""
    tables = ANALYZED_TABLES.get(target, ())
    if written < ANALYZE_AFTER_ROWS or not tables:
        return
    if session.get_bind().dialect.name != "postgresql":
        return  # SQLite plans without statistics until ANALYZE is first run: not started here
    # Not the tables' owner: PostgreSQL skips them with a warning, the import goes on.
    await session.execute(text(f"ANALYZE {', '.join(tables)}"))


async def _finish(
    session: AsyncSession,
    import_id: int,
    status: str,
    counts: dict[str, int],
    report: dict[str, Any],
    report_key: str | None,
    error: str | None,
) -> None:
    now = utcnow()
    await repo.set_import(
        session, import_id, status=status, counts=counts, report=report,
        report_key=report_key, error=error, **repo.finished_now(now),
    )  # fmt: skip


@job_kind("import.commit", timeout_seconds=4 * 3600, max_attempts=1)
async def commit_import(ctx: JobContext) -> dict[str, Any]:
    """Run an import as a background job with live progress."""

    async def progress(done: int, counts: dict[str, int]) -> None:
        await ctx.report(done=done, counts=counts)

    chunk = max(1, min(int(ctx.params.get("chunk_rows", CHUNK_ROWS)), 50_000))
    return await run_import(
        ctx.session,
        ctx.actor,
        int(ctx.params["import_id"]),
        storage=storage_for(ctx.session),
        progress=progress,
        chunk=chunk,
    )
