"""Export use cases: plan an export for a principal, then stream it or write it to a file.

The plan resolves everything that can fail with a clear 4xx (permission, sort, columns) before
a single byte is sent, so a streamed response never breaks off with an error halfway.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.catalog.models import Item
from orderdesk.catalog.repository import ITEM_SORTS, item_conditions
from orderdesk.core.errors import AppError, FieldError, ValidationFailed
from orderdesk.core.i18n import t
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.files.names import sanitize_filename
from orderdesk.orders.models import Order
from orderdesk.orders.repository import ORDER_SORTS, order_conditions
from orderdesk.settings import Settings
from orderdesk.transfer.export import ranges
from orderdesk.transfer.export import repository as repo
from orderdesk.transfer.export.columns import (
    ITEM_FIELDS,
    LINE_FIELDS,
    ORDER_FIELDS,
    Column,
    attribute_columns,
    choose,
    field_columns,
)
from orderdesk.transfer.export.rendering import Render
from orderdesk.transfer.export.schemas import ExportSpec
from orderdesk.transfer.export.writers import FORMATS, ExportFormat, FormatInfo, make_writer
from orderdesk.transfer.export.writers.base import WriterOptions
from orderdesk.transfer.messages_export import EXPORT_PDF_TOO_MANY

Progress = Callable[[int], Awaitable[None]]


class ExportTooLarge(AppError):
    status = 422
    slug = "export-too-large"
    title_key = "problem.validation"


@dataclass(slots=True)
class Plan:
    """A checked export: its columns, statement and output, bound to one principal's scope."""

    spec: ExportSpec
    fmt: ExportFormat
    info: FormatInfo
    columns: list[Column]
    options: WriterOptions
    statement: Any
    conds: list[Any]
    sorts: dict[str, Any]
    id_column: Any
    filename: str
    batch: int
    with_lines: bool
    render: Render | None  # what PostgreSQL writes as finished text

    @property
    def sort(self) -> str:
        return self.spec.options.sort


def all_columns(target: str, schemas: Sequence[list[dict[str, Any]]], lines: bool) -> list[Column]:
    """Every column of a target, attributes (`attr.*`) and order lines (`line.*`) included."""
    if target == "items":
        return field_columns(ITEM_FIELDS) + attribute_columns(schemas, len(ITEM_FIELDS))
    columns = field_columns(ORDER_FIELDS) + attribute_columns(schemas, len(ORDER_FIELDS))
    if lines:
        columns += field_columns(LINE_FIELDS, offset=repo.ORDER_ROW_WIDTH)
    return columns


def _file_name(spec: ExportSpec, extension: str) -> str:
    if spec.options.filename:
        stem = sanitize_filename(spec.options.filename)
        if stem.lower().endswith(f".{extension}"):
            return stem
        return f"{stem}.{extension}"
    today = datetime.now(UTC).date().isoformat()
    return f"{t(f'export.file.{spec.target}', spec.lang)}-{today}.{extension}"


def _writer_options(spec: ExportSpec, fmt: ExportFormat, rows_note: str = "") -> WriterOptions:
    opts = spec.options
    readable = fmt in (ExportFormat.xlsx, ExportFormat.pdf)
    return WriterOptions(
        lang=spec.lang,
        header=opts.header or ("labels" if readable else "keys"),
        delimiter=opts.delimiter,
        bom=opts.bom,
        decimal_comma=opts.decimal == "comma",
        title=t(f"export.title.{spec.target}", spec.lang),
        subtitle=rows_note,
        root=spec.target,
        record=spec.target[:-1],
    )


async def prepare(
    *, session: AsyncSession, principal: Principal, spec: ExportSpec, settings: Settings
) -> Plan:
    """Check the export for this principal and fix its columns, rows and output."""
    is_items = spec.target == "items"
    ensure(principal, Permission.catalog_read if is_items else Permission.orders_read)
    values = spec.filter_values()
    if is_items:
        conds = item_conditions(principal, **values)
        sorts, id_column, type_id = ITEM_SORTS, Item.id, values.get("item_type_id")
    else:
        conds = order_conditions(principal, **values)
        sorts, id_column, type_id = ORDER_SORTS, Order.id, values.get("order_type_id")
    key = spec.options.sort.lstrip("-+")
    if key not in sorts:
        raise ValidationFailed([FieldError("sort", "enum", choices=", ".join(sorted(sorts)))])
    with_lines = not is_items and spec.options.lines
    schemas = await repo.attribute_schemas(session, spec.target, type_id)
    fmt = spec.options.format
    columns = choose(
        all_columns(spec.target, schemas, with_lines),
        spec.options.column_keys(),
        pdf=fmt is ExportFormat.pdf,
    )
    build = repo.item_statement if is_items else repo.order_statement
    info = FORMATS[fmt]
    render = _render(session, spec, fmt)
    options = _writer_options(spec, fmt)
    if render is not None:
        done = repo.rendered_positions(spec.target, with_lines, render)
        columns = [replace(c, rendered=True) if c.position in done else c for c in columns]
        positions = tuple(c.position for c in columns if c.position is not None)
        if render.escape and _whole_lines(columns):
            render = replace(render, line=positions, delimiter=options.delimiter)
            options = replace(options, prebuilt=True)
        elif fmt in (ExportFormat.json, ExportFormat.ndjson) and _whole_objects(columns):
            # The writer lays out a page's objects as one row's: JSON `,` between them (it
            # writes the page's lead), NDJSON a line break between (it ends the last).
            between = "," if fmt is ExportFormat.json else "\n"
            render = replace(
                render,
                line=positions,
                keys=tuple(c.key for c in columns),
                separator=between,
                terminator="",
            )
            options = replace(options, prebuilt=True)
    return Plan(
        spec=spec,
        fmt=fmt,
        info=info,
        columns=columns,
        options=options,
        statement=build(conds, sorts[key], render, any(c.key.startswith("attr.") for c in columns)),
        conds=conds,
        sorts=sorts,
        id_column=id_column,
        filename=_file_name(spec, info.extension),
        batch=settings.export_batch_rows,
        with_lines=with_lines,
        render=render,
    )


def _whole_lines(columns: Sequence[Column]) -> bool:
    """Whether PostgreSQL can write whole CSV lines: every cell finished text or an integer
    column (a single column stays with csv.writer, which quotes a lone empty field)."""
    return len(columns) > 1 and all(
        c.position is not None and (c.rendered or c.kind == "int") for c in columns
    )


def _whole_objects(columns: Sequence[Column]) -> bool:
    """Whether PostgreSQL can write whole JSON objects: database columns only, no list (tags:
    its JSON text would differ from orjson's)."""
    return all(c.position is not None and c.kind != "list" for c in columns)


def _render(session: AsyncSession, spec: ExportSpec, fmt: ExportFormat) -> Render | None:
    """Text formats on PostgreSQL: the database writes amounts, timestamps and (CSV) escapes."""
    if not FORMATS[fmt].streams or session.get_bind().dialect.name != "postgresql":
        return None
    if fmt is ExportFormat.csv:
        return Render("," if spec.options.decimal == "comma" else ".", escape=True)
    return Render()


async def count_rows(session: AsyncSession, plan: Plan) -> int:
    """How many rows the export will have."""
    if plan.spec.target == "items":
        return await repo.count_items(session, plan.conds)
    return await repo.count_orders(session, plan.conds, lines=plan.with_lines)


def check_size(plan: Plan, rows: int, settings: Settings) -> None:
    """Refuse a PDF too long to be read (or held in memory while it is built)."""
    limit = settings.export_pdf_max_rows
    if plan.fmt is ExportFormat.pdf and rows > limit:
        raise ExportTooLarge(EXPORT_PDF_TOO_MANY, rows=rows, limit=limit)


async def batches(session: AsyncSession, plan: Plan) -> AsyncGenerator[Sequence[Any], None]:
    """The export's rows in batches; orders with lines give one row per line."""
    render = plan.render
    if render is not None and render.line is not None:
        # PostgreSQL writes whole pages: read in ranges on two connections.
        queries = repo.range_queries(
            plan.statement,
            sorts=plan.sorts,
            sort=plan.sort,
            id_column=plan.id_column,
            batch=plan.batch,
            render=render,
            sources=repo.ITEM_VALUES if plan.spec.target == "items" else repo.ORDER_VALUES,
            lines=plan.with_lines,
        )
        pages: AsyncGenerator[Sequence[Any], None] = ranges.ranged_blocks(
            await session.connection(), queries
        )
    elif plan.with_lines:
        pages = repo.line_pages(
            session,
            plan.statement,
            sorts=plan.sorts,
            sort=plan.sort,
            batch=plan.batch,
            render=plan.render,
            ahead=plan.info.streams,
        )
    else:
        pages = repo.pages(
            session,
            plan.statement,
            sorts=plan.sorts,
            id_column=plan.id_column,
            sort=plan.sort,
            batch=plan.batch,
            ahead=plan.info.streams,
        )
    # Closed with the caller: a page read ahead ends before the session is reused.
    async with aclosing(pages):
        async for rows in pages:
            yield rows


async def stream(session: AsyncSession, plan: Plan) -> AsyncIterator[bytes]:
    """The file's bytes, one chunk per batch of rows (CSV, JSON, NDJSON, XML)."""
    writer = make_writer(plan.fmt, plan.columns, plan.options, None)
    yield writer.start()
    async with aclosing(batches(session, plan)) as pages:
        async for rows in pages:
            yield writer.write(rows)
    yield writer.finish()


async def write_file(
    session: AsyncSession,
    plan: Plan,
    path: Path,
    *,
    total: int | None = None,
    progress: Progress | None = None,
) -> int:
    """Write the export to a file (any format); returns the number of rows written."""
    options = plan.options
    if plan.fmt is ExportFormat.pdf and total is not None:
        note = t("export.generated", plan.spec.lang, rows=total, at=_now_text())
        options = _writer_options(plan.spec, plan.fmt, note)
    if plan.info.streams:
        return await _write_stream(session, plan, path, progress)
    writer = make_writer(plan.fmt, plan.columns, options, path)
    done = 0
    writer.start()
    async with aclosing(batches(session, plan)) as pages:
        async for rows in pages:
            # xlsxwriter and fpdf2 are CPU-bound: keep the event loop free for other requests.
            await asyncio.to_thread(writer.write, rows)
            done += repo.row_count(rows)
            if progress is not None:
                await progress(done)
    await asyncio.to_thread(writer.finish)
    return done


async def _write_stream(
    session: AsyncSession, plan: Plan, path: Path, progress: Progress | None
) -> int:
    writer = make_writer(plan.fmt, plan.columns, plan.options, None)
    done = 0
    with path.open("wb") as handle:
        handle.write(writer.start())
        async with aclosing(batches(session, plan)) as pages:
            async for rows in pages:
                handle.write(writer.write(rows))
                done += repo.row_count(rows)
                if progress is not None:
                    await progress(done)
        handle.write(writer.finish())
    return done


def _now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M")


def describe_columns(plan: Plan) -> list[dict[str, str]]:
    """The plan's columns as an integrator reads them: key, label, value type."""
    return [{"key": c.key, "label": c.label(plan.spec.lang), "type": c.kind} for c in plan.columns]
