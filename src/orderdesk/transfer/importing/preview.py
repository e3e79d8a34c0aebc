"""The preview: what the file is, each sheet's first rows and mapping, and their problems."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.i18n import current_locale, t
from orderdesk.core.permissions import Principal
from orderdesk.files.storage import Storage
from orderdesk.transfer.formats.base import Cell, Limits, Row
from orderdesk.transfer.importing import seams
from orderdesk.transfer.importing.plan import Plan
from orderdesk.transfer.importing.reading import local_copy, open_tables
from orderdesk.transfer.importing.schemas import ImportOptions
from orderdesk.transfer.importing.sheets import (
    SheetPlan,
    SheetsSeen,
    each_sheet,
    raise_unimportable,
    zone_name,
)
from orderdesk.transfer.importing.targets.base import ParsedRow, Rejection

PREVIEW_ROWS = 20
MAX_SHOWN_CHARS = 200
_COUNTS = ("checked", "created", "updated", "unchanged", "skipped", "rejected")


def shown(cell: Cell) -> str:
    """A raw cell as text for the preview table."""
    if cell is None:
        return ""
    if isinstance(cell, datetime | date | time):
        return cell.isoformat()
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, Decimal):
        return format(cell, "f")
    return str(cell)[:MAX_SHOWN_CHARS]


def _error(sheet: str, rejection: Rejection, locale: str) -> dict[str, Any]:
    return {
        "sheet": sheet,
        "row": rejection.row,
        "column": rejection.column,
        "value": rejection.value,
        "reason": rejection.reason.get(locale) or rejection.reason["en"],
    }


async def _check(
    plan: Plan, numbered: list[tuple[int, Row]]
) -> tuple[list[Rejection], dict[str, int]]:
    rejections: list[Rejection] = []
    parsed: list[ParsedRow] = []
    for number, row in numbered:
        read = plan.reader.read(number, row)
        if isinstance(read, list):
            rejections.extend(read)
        else:
            parsed.append(read)
    counts = dict.fromkeys(_COUNTS, 0) | {"checked": len(numbered)}
    if parsed:
        result = await plan.target.process(parsed, write=False)
        rejections.extend(result.rejected)
        counts.update(
            created=result.created, updated=result.updated, unchanged=result.unchanged,
            skipped=result.skipped,
        )  # fmt: skip
    counts["rejected"] = len({r.row for r in rejections})
    return sorted(rejections, key=lambda r: r.row), counts


async def _read_sheets(
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    row: dict[str, Any],
    options: ImportOptions,
    rows: int,
) -> tuple[Any, SheetsSeen, dict[int, list[tuple[int, Row]]]]:
    """Plan every sheet and keep the first rows of each (read before the next sheet opens)."""
    name = row["original_name"]
    seen = SheetsSeen()
    heads: dict[int, list[tuple[int, Row]]] = {}
    async with local_copy(storage, row["storage_key"], PurePath(name).suffix) as path:
        source, tables = await asyncio.to_thread(
            open_tables, path, name, Limits(), sheet=options.sheet, header_row=options.header_row
        )
        async for planned in each_sheet(session, principal, options, tables, seen):
            table = planned.table
            heads[id(planned)] = await asyncio.to_thread(
                lambda t=table: list(itertools.islice(t.rows, rows))  # type: ignore[misc]
            )
    seen.add_archive_skips(source, name)
    return source, seen, heads


def _sheet_out(planned: SheetPlan, head: list[tuple[int, Row]], locale: str) -> dict[str, Any]:
    plan, table = planned.plan, planned.table
    return {
        "name": table.sheet,
        "included": planned.included,
        "reason": t(planned.skipped.key, locale, **planned.skipped.params)
        if planned.skipped
        else None,
        "header_row": table.header_row,
        "headers": table.headers,
        "rows": [[shown(c) for c in r] for _, r in head],
        "mapping": plan.mapping if plan else {},
        "missing_fields": plan.missing if plan else [],
        "profile": {"id": plan.profile["id"], "name": plan.profile["name"]}
        if plan and plan.profile
        else None,
    }


async def build_preview(
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    row: dict[str, Any],
    options: ImportOptions,
    *,
    rows: int = PREVIEW_ROWS,
) -> tuple[dict[str, Any], Plan]:
    """Read the head of every sheet and check it as a commit would (nothing is written).

    The top-level sheet, header, rows and mapping are those of the first sheet that will be
    imported (or, when none maps yet, of the first sheet, so the user can fix its mapping);
    `sheets` lists every sheet with a header, `skipped` what is not imported and why.
    """
    source, seen, heads = await _read_sheets(session, principal, storage, row, options, rows)
    primary = seen.primary
    if primary.plan is None:
        raise_unimportable(seen)
    plan = primary.plan
    assert plan is not None
    zone = zone_name(options, plan)
    checked = [p for p in seen.planned if p.included] or [primary]
    locale = current_locale()
    errors: list[dict[str, Any]] = []
    counts = dict.fromkeys(_COUNTS, 0)
    with seams.naive_datetimes_in(seams.time_zone(zone)):
        for planned in checked:
            assert planned.plan is not None
            rejections, sheet_counts = await _check(planned.plan, heads[id(planned)])
            errors.extend(_error(planned.table.sheet, r, locale) for r in rejections)
            counts = {key: counts[key] + sheet_counts[key] for key in _COUNTS}
    sheets = [_sheet_out(p, heads[id(p)], locale) for p in seen.planned]
    main = next(s for s in sheets if s["name"] == primary.table.sheet)
    result = {
        "import_id": row["id"],
        "format": source.format,
        "declared_format": source.declared_format,
        "mismatch": source.mismatch,
        "encoding": source.encoding,
        "delimiter": source.delimiter,
        "sheet": primary.table.sheet,
        "header_row": main["header_row"],
        "headers": main["headers"],
        "rows": main["rows"],
        "fields": [
            {
                "name": s.name,
                "label": s.label.get(locale, s.name),
                "kind": s.kind,
                "required": s.required,
            }
            for s in plan.target.fields
        ],
        "keys": list(plan.target.keys),
        "mapping": plan.mapping,
        "missing_fields": plan.missing,
        "profile": main["profile"],
        "timezone": zone,
        "sheets": sheets,
        "skipped": [
            {"sheet": s.sheet, "reason": t(s.key, locale, **s.params)}
            for s in seen.skipped_entries()
        ],
        "notes": list(source.notes),
        "errors": errors,
        "counts": counts,
    }
    return result, plan


def frozen_options(options: ImportOptions, result: dict[str, Any], plan: Plan) -> ImportOptions:
    """The options a commit job runs with: exactly the sheets, mappings and zone checked now.

    `mapping` stays as the user gave it: the job plans a sheet outside `sheet_mappings` again
    only to say why it is skipped.
    """
    return options.model_copy(
        update={
            "type": plan.target.options.type_code,
            "key": plan.target.key,
            "value_maps": plan.value_maps,
            "sheet_mappings": {s["name"]: s["mapping"] for s in result["sheets"] if s["included"]},
            "timezone": result["timezone"],
        }
    )
