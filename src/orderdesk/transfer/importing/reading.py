"""From a stored upload to numbered data rows: local copy, readers, sheets, header rows."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orderdesk.core.errors import AppError
from orderdesk.core.i18n import both
from orderdesk.files.storage import Storage, StoredObjectMissing
from orderdesk.transfer import header, messages_sheets  # noqa: F401  (registers texts)
from orderdesk.transfer.formats.base import Limits, Row, Sheet, Source
from orderdesk.transfer.importing import seams
from orderdesk.transfer.importing.mapping import header_names

SCAN_ROWS = header.SCAN_ROWS


class ImportFileMissing(AppError):
    status = 409
    slug = "import-file-missing"
    title_key = "problem.conflict"


class NoData(AppError):
    status = 422
    slug = "import-no-data"
    title_key = "problem.validation"


@contextlib.asynccontextmanager
async def local_copy(storage: Storage, key: str, suffix: str) -> AsyncIterator[Path]:
    """The stored upload as a temporary local file (readers need a path), removed afterwards."""
    handle = tempfile.NamedTemporaryFile(suffix=suffix, delete=False)  # noqa: SIM115
    path = Path(handle.name)
    try:
        try:
            chunks = await storage.open(key)
        except (StoredObjectMissing, ValueError):  # ValueError: the retention job cleared the key
            raise ImportFileMissing("import.file_missing") from None
        async for chunk in chunks:
            await asyncio.to_thread(handle.write, chunk)
        handle.close()
        yield path
    finally:
        handle.close()
        path.unlink(missing_ok=True)


@dataclass(slots=True)
class Table:
    """One sheet split into its header and an iterator of (file row number, data row)."""

    source: Source
    sheet: str  # as the user names it: "Лист1", "prices.csv", "май/book.xlsx/Лист2"
    header_row: int  # 1-based row number in the sheet
    headers: list[str]
    rows: Iterator[tuple[int, Row]]


@dataclass(frozen=True, slots=True)
class SkippedSheet:
    """A sheet or archive member that is not imported, and why (a message key)."""

    sheet: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def reason(self) -> dict[str, str]:
        return both(self.key, **self.params)


def sheet_label(filename: str, name: str) -> str:
    """A reader's sheet name without the upload's own name in front ("x.xlsx/Лист1" → "Лист1")."""
    prefix = f"{filename}/"
    return name[len(prefix) :] if name.startswith(prefix) else name


def open_tables(
    path: Path, filename: str, limits: Limits, *, sheet: int | None = None,
    header_row: int | None = None,
) -> tuple[Source, Iterator[Table | SkippedSheet]]:  # fmt: skip
    """Every sheet of the file (or only the chosen one), one after the other, header found.

    Sheets are produced lazily and in order: a sheet's rows are read before the next sheet
    is opened (an archive member is removed once its sheets are done).
    """
    source = seams.open_file(path, filename, limits)
    return source, _tables(source, filename, sheet, header_row)


def _tables(
    source: Source, filename: str, sheet: int | None, header_row: int | None
) -> Iterator[Table | SkippedSheet]:
    found = False
    try:
        for index, chosen in enumerate(source.sheets):
            if sheet is not None and index != sheet:
                continue
            found = True
            yield _table(source, chosen, sheet_label(filename, chosen.name), header_row)
            if sheet is not None:
                break
    finally:
        close = getattr(source.sheets, "close", None)
        if close is not None:
            close()  # an archive's temporary directory goes now, not when collected
    if sheet is not None and not found:
        raise NoData("import.no_sheet", sheet=sheet + 1)


def _table(
    source: Source, chosen: Sheet, label: str, header_row: int | None
) -> Table | SkippedSheet:
    first = chosen.first_row_number
    numbered = ((first + i, row) for i, row in enumerate(chosen.rows))
    head = list(itertools.islice(numbered, SCAN_ROWS if header_row is None else header_row))
    if not any(_has_data(row) for _, row in head):
        return SkippedSheet(label, "import.sheet_empty")
    if header_row is None:
        index = seams.detect_header([row for _, row in head])
    else:
        index = min(header_row, len(head)) - 1
    number, header = head[index]
    rest = ((n, row) for n, row in itertools.chain(head[index + 1 :], numbered) if _has_data(row))
    return Table(source, label, number, header_names(header), rest)


def open_table(
    path: Path, filename: str, limits: Limits, *, sheet: int = 0, header_row: int | None = None
) -> Table:
    """Open the file, pick one sheet, find the header row (given, or detected)."""
    _, tables = open_tables(path, filename, limits, sheet=sheet, header_row=header_row)
    table = next(tables)
    if isinstance(table, SkippedSheet):
        raise NoData("import.no_rows")
    return table


def _has_data(row: Row) -> bool:
    return any(cell is not None and cell != "" for cell in row)
