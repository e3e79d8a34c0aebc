"""Every sheet of a file, planned one by one: the ones that map are imported, others skipped.

The rule (ADR 0014): a mapping the user gave (or a profile named in the options) applies to
every sheet; a sheet without its columns is skipped. Without one, each sheet gets its own
mapping — the profile saved for its header signature, else auto-mapping by names — so a ZIP
of a Russian CSV and an English JSON imports both. A sheet whose mapping lacks a required
field (or the key) is skipped with the fields named. One target type, mode and key serve the
whole import; the zone of naive datetimes is the import's, else the first sheet's profile's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.errors import AppError, FieldError, ValidationFailed
from orderdesk.core.i18n import both
from orderdesk.core.permissions import Principal
from orderdesk.transfer.formats.base import Source
from orderdesk.transfer.importing import seams
from orderdesk.transfer.importing.plan import Plan, make_plan, require_complete
from orderdesk.transfer.importing.reading import NoData, SkippedSheet, Table, sheet_label
from orderdesk.transfer.importing.schemas import ImportOptions

_UNKNOWN_COLUMN = "import_unknown_column"


@dataclass(slots=True)
class SheetPlan:
    """A sheet and its plan; `skipped` says why it is not imported (then `plan` may be None)."""

    table: Table
    plan: Plan | None
    skipped: SkippedSheet | None = None
    error: AppError | None = None  # the mapping error, raised when no sheet can be imported

    @property
    def included(self) -> bool:
        return self.plan is not None and self.skipped is None


@dataclass(slots=True)
class SheetsSeen:
    """What the import made of the file's sheets: planned ones in order, skipped ones."""

    planned: list[SheetPlan] = field(default_factory=list)
    skipped: list[SkippedSheet] = field(default_factory=list)

    @property
    def primary(self) -> SheetPlan:
        """The first sheet that is imported, else the first one with a header (for the preview)."""
        for planned in self.planned:
            if planned.included:
                return planned
        if not self.planned:
            raise NoData("import.no_rows")
        return self.planned[0]

    def add_archive_skips(self, source: Source, filename: str) -> None:
        for skip in source.skipped:
            name = sheet_label(filename, f"{skip.params.get('name', filename)}/{skip.name}")
            self.skipped.append(SkippedSheet(name, skip.key, dict(skip.params)))

    def skipped_entries(self) -> list[SkippedSheet]:
        """Sheets with a header that are not imported, then the empty and unsupported ones."""
        mapped = [p.skipped for p in self.planned if p.skipped is not None]
        return mapped + self.skipped

    def report(self) -> dict[str, Any]:
        """Stored with the import: which sheets were imported, which skipped and why (ru/en)."""
        return {
            "sheets": [p.table.sheet for p in self.planned if p.included],
            "skipped": [
                {"sheet": s.sheet, "reason": both(s.key, **s.params)}
                for s in self.skipped_entries()
            ],
        }


async def plan_sheet(
    session: AsyncSession, principal: Principal, options: ImportOptions, table: Table
) -> SheetPlan:
    """The plan of one sheet, or why it is skipped."""
    chosen = options
    if options.sheet_mappings is not None:
        mapping = options.sheet_mappings.get(table.sheet)
        unlisted = options.model_copy(update={"sheet_mappings": None})
        if mapping is None:
            return await _unlisted(session, principal, unlisted, table)
        chosen = unlisted.model_copy(update={"mapping": mapping})
    try:
        plan = await make_plan(
            session, principal, chosen, table.headers, source_format=table.source.format
        )
    except ValidationFailed as exc:
        errors = exc.errors
        if not errors or any(error.get("code") != _UNKNOWN_COLUMN for error in errors):
            raise
        fields = ", ".join(str(error["field"]).removeprefix("mapping.") for error in errors)
        skipped = SkippedSheet(table.sheet, "import.sheet_columns_missing", {"fields": fields})
        return SheetPlan(table, None, skipped, exc)
    if plan.missing:
        fields = ", ".join(plan.missing)
        skipped = SkippedSheet(table.sheet, "import.sheet_unmapped", {"fields": fields})
        return SheetPlan(table, plan, skipped)
    return SheetPlan(table, plan)


async def _unlisted(
    session: AsyncSession, principal: Principal, options: ImportOptions, table: Table
) -> SheetPlan:
    """A sheet the commit did not check: skipped, with its own reason when it has one."""
    planned = await plan_sheet(session, principal, options, table)
    if planned.included:
        error = ValidationFailed(
            [FieldError("sheet_mappings", "import_sheet_unlisted", sheet=table.sheet)]
        )
        return SheetPlan(table, None, SkippedSheet(table.sheet, "import.sheet_not_checked"), error)
    return planned


async def each_sheet(
    session: AsyncSession,
    principal: Principal,
    options: ImportOptions,
    tables: Iterator[Table | SkippedSheet],
    seen: SheetsSeen,
) -> AsyncIterator[SheetPlan]:
    """Plan the sheets in file order; the caller reads a sheet's rows before asking for the next."""
    while (table := await asyncio.to_thread(next, tables, None)) is not None:
        if isinstance(table, SkippedSheet):
            seen.skipped.append(table)
            continue
        planned = await plan_sheet(session, principal, options, table)
        seen.planned.append(planned)
        yield planned


def zone_name(options: ImportOptions, plan: Plan | None) -> str:
    """The import's zone for naive datetimes: the option, the profile's, else the default."""
    profile_options = (plan.profile or {}).get("options") if plan is not None else None
    from_profile = (profile_options or {}).get("timezone")
    return options.timezone or from_profile or seams.DEFAULT_TIMEZONE


def raise_unimportable(seen: SheetsSeen) -> NoReturn:
    """No sheet can be imported: the first sheet's own problem, as a single-sheet file gives it."""
    primary = seen.primary
    if primary.error is not None:
        raise primary.error
    if primary.plan is not None:
        require_complete(primary.plan)
    raise NoData("import.no_rows")
