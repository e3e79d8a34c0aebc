"""The preview: what the file is, its first rows, the proposed mapping, and their problems."""

from __future__ import annotations

import asyncio
import itertools
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.i18n import current_locale
from orderdesk.core.permissions import Principal
from orderdesk.files.storage import Storage
from orderdesk.transfer.formats.base import Cell, Limits
from orderdesk.transfer.importing.plan import Plan, make_plan
from orderdesk.transfer.importing.reading import local_copy, open_table
from orderdesk.transfer.importing.schemas import ImportOptions
from orderdesk.transfer.importing.targets.base import ParsedRow, Rejection

PREVIEW_ROWS = 20
MAX_SHOWN_CHARS = 200


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


def _error(rejection: Rejection, locale: str) -> dict[str, Any]:
    return {
        "row": rejection.row,
        "column": rejection.column,
        "value": rejection.value,
        "reason": rejection.reason.get(locale) or rejection.reason["en"],
    }


async def _check(
    plan: Plan, numbered: list[tuple[int, list[Cell]]]
) -> tuple[list[Rejection], dict[str, int]]:
    rejections: list[Rejection] = []
    parsed: list[ParsedRow] = []
    for number, row in numbered:
        read = plan.reader.read(number, row)
        if isinstance(read, list):
            rejections.extend(read)
        else:
            parsed.append(read)
    counts = {"checked": len(numbered), "created": 0, "updated": 0, "unchanged": 0, "skipped": 0}
    if parsed:
        result = await plan.target.process(parsed, write=False)
        rejections.extend(result.rejected)
        counts.update(
            created=result.created, updated=result.updated, unchanged=result.unchanged,
            skipped=result.skipped,
        )  # fmt: skip
    counts["rejected"] = len({r.row for r in rejections})
    return sorted(rejections, key=lambda r: r.row), counts


async def build_preview(
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    row: dict[str, Any],
    options: ImportOptions,
    *,
    rows: int = PREVIEW_ROWS,
) -> tuple[dict[str, Any], Plan]:
    """Read the head of the stored file and check it as a commit would (nothing is written)."""
    suffix = PurePath(row["original_name"]).suffix
    async with local_copy(storage, row["storage_key"], suffix) as path:
        table = await asyncio.to_thread(
            open_table, path, row["original_name"], Limits(), sheet=options.sheet,
            header_row=options.header_row,
        )  # fmt: skip
        head = await asyncio.to_thread(lambda: list(itertools.islice(table.rows, rows)))
    plan = await make_plan(
        session, principal, options, table.headers, source_format=table.source.format
    )
    rejections, counts = await _check(plan, head)
    locale = current_locale()
    source = table.source
    result = {
        "import_id": row["id"],
        "format": source.format,
        "declared_format": source.declared_format,
        "mismatch": source.mismatch,
        "encoding": source.encoding,
        "delimiter": source.delimiter,
        "sheet": table.sheet,
        "header_row": table.header_row,
        "headers": table.headers,
        "rows": [[shown(c) for c in r] for _, r in head],
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
        "profile": {"id": plan.profile["id"], "name": plan.profile["name"]}
        if plan.profile
        else None,
        "errors": [_error(r, locale) for r in rejections],
        "counts": counts,
    }
    return result, plan
