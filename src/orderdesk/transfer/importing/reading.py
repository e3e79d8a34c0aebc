"""From a stored upload to numbered data rows: local copy, readers, sheet, header row."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

from orderdesk.core.errors import AppError
from orderdesk.files.storage import Storage, StoredObjectMissing
from orderdesk.transfer import header
from orderdesk.transfer.formats.base import Limits, Row, Source
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
    sheet: str
    header_row: int  # 1-based row number in the sheet
    headers: list[str]
    rows: Iterator[tuple[int, Row]]


def open_table(
    path: Path, filename: str, limits: Limits, *, sheet: int = 0, header_row: int | None = None
) -> Table:
    """Open the file, pick the sheet, find the header row (given, or detected)."""
    source = seams.open_file(path, filename, limits)
    chosen = next(itertools.islice(source.sheets, sheet, None), None)
    if chosen is None:
        raise NoData("import.no_sheet", sheet=sheet + 1)
    first = chosen.first_row_number
    numbered = ((first + i, row) for i, row in enumerate(chosen.rows))
    head = list(itertools.islice(numbered, SCAN_ROWS if header_row is None else header_row))
    if not head:
        raise NoData("import.no_rows")
    if header_row is None:
        index = seams.detect_header([row for _, row in head])
    else:
        index = min(header_row, len(head)) - 1
    number, header = head[index]
    rest = ((n, row) for n, row in itertools.chain(head[index + 1 :], numbered) if _has_data(row))
    return Table(source, chosen.name, number, header_names(header), rest)


def _has_data(row: Row) -> bool:
    return any(cell is not None and cell != "" for cell in row)
