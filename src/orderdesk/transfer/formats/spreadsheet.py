"""XLSX, XLS and ODS through python-calamine: one Sheet per worksheet, rows produced lazily.

Zips are measured by `ooxml_guard` first, because calamine allocates a sheet's whole dense range
up front and aborts the process when that allocation fails. Rows keep their spreadsheet
positions: row N of the sheet is row N here and column D is index 3, so messages match what the
user sees in Excel.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

from python_calamine import CalamineSheet, CalamineWorkbook, PasswordError, SheetTypeEnum

from orderdesk.transfer import messages_binary  # noqa: F401  (registers the texts)
from orderdesk.transfer.formats.base import (
    Cell,
    FormatError,
    Limits,
    ReadContext,
    Row,
    Sheet,
    TooLarge,
    reader,
)
from orderdesk.transfer.formats.ooxml_guard import check_office_zip
from orderdesk.transfer.formats.sandbox import (
    RecordWriter,
    caps_of,
    check_row,
    run_limited,
    sheets_from_records,
)

HEADER_AREA_ROWS = 10  # merged cells are spread only here: in data they mean something else
_LABELS = {"xlsx": "XLSX", "xls": "XLS", "ods": "ODS"}

Merge = tuple[tuple[int, int], tuple[int, int]]


@reader("xlsx")
def read_xlsx(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """Worksheets of an Excel 2007+ workbook."""
    return _read_workbook(path, context, "xlsx")


@reader("xls")
def read_xls(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """Worksheets of a legacy (BIFF) Excel workbook, parsed in the sandbox.

    calamine builds every sheet's dense range when it opens a BIFF file: a 6 KB file with two
    sheets, each holding a cell at IV65536, costs 1 GB, and more sheets cost more until the
    process aborts. BIFF has no cheap up-front shape to measure, so the parse runs in a child
    bounded in memory and CPU (ADR 0012); rows come back as JSON records, dates tagged.
    """
    workdir = Path(tempfile.mkdtemp(prefix="orderdesk-xls-"))
    try:
        records = workdir / "rows.jsonl"
        run_limited(
            "orderdesk.transfer.formats.spreadsheet:xls_to_records",
            [str(path), str(records), context.filename, caps_of(context.limits)],
            context.limits,
            name=context.filename,
        )
        for sheet in sheets_from_records(records):
            yield Sheet(name=sheet.name, rows=_revived(sheet.rows))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def xls_to_records(source: str, output: str, filename: str, caps: dict[str, int]) -> int:
    """Child side: every worksheet of an XLS as records; returns the number of sheets."""
    context = ReadContext(Limits(**caps), filename)
    count = 0
    with open(output, "w", encoding="utf-8") as handle:
        writer = RecordWriter(handle)
        for sheet in _read_workbook(Path(source), context, "xls"):
            count += 1
            writer.sheet(sheet.name)
            for number, row in enumerate(sheet.rows, start=1):
                check_row(row, sheet.name, number, caps, sheets=count)
                writer.row([_tagged(cell) for cell in row])
    return count


def _tagged(cell: Cell) -> Any:
    """Dates and times survive JSON as {"d"|"dt"|"t": iso}; other cells are JSON as they are."""
    if isinstance(cell, datetime):
        return {"dt": cell.isoformat()}
    if isinstance(cell, date):
        return {"d": cell.isoformat()}
    if isinstance(cell, time):
        return {"t": cell.isoformat()}
    if isinstance(cell, timedelta):
        return str(cell)
    return cell


_REVIVE: dict[str, Callable[[str], Cell]] = {
    "dt": datetime.fromisoformat,
    "d": date.fromisoformat,
    "t": time.fromisoformat,
}


def _revived(rows: Iterator[Row]) -> Iterator[Row]:
    for row in rows:
        if any(isinstance(cell, dict) for cell in row):
            row = [_revive(cell) for cell in row]
        yield row


def _revive(cell: Any) -> Cell:
    if isinstance(cell, dict) and len(cell) == 1:
        ((tag, text),) = cell.items()
        return _REVIVE[tag](text) if tag in _REVIVE else None
    return cast(Cell, cell)


@reader("ods")
def read_ods(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """Tables of an OpenDocument spreadsheet."""
    return _read_workbook(path, context, "ods")


def _read_workbook(path: Path, context: ReadContext, kind: str) -> Iterator[Sheet]:
    if kind in ("xlsx", "ods"):
        check_office_zip(path, context, kind=kind)
    workbook = _call(context, kind, CalamineWorkbook.from_path, str(path))
    try:
        # Chart and dialog sheets hold no cells; calamine cannot open them as ranges.
        names = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        if len(names) > context.limits.max_sheets:
            raise TooLarge(
                "transfer.too_many_sheets", name=context.filename, limit=context.limits.max_sheets
            )
        for sheet_name in names:
            sheet = _call(context, kind, workbook.get_sheet_by_name, sheet_name)
            label = f"{context.filename}/{sheet_name}"
            yield Sheet(name=label, rows=_rows(sheet, context, label, kind))
    finally:
        workbook.close()


def _call(context: ReadContext, kind: str, function: Any, *args: Any) -> Any:
    """Call into calamine; its errors on a bad file become a FormatError naming the file."""
    try:
        return function(*args)
    except PasswordError:
        raise FormatError(
            "transfer.corrupt_file",
            name=context.filename,
            format=_LABELS[kind],
            reason="password-protected",
        ) from None
    except Exception as exc:  # calamine raises several types (zip, XML, BIFF, value errors)
        raise FormatError(
            "transfer.corrupt_file",
            name=context.filename,
            format=_LABELS[kind],
            reason=str(exc)[:200] or type(exc).__name__,
        ) from None


def _rows(sheet: CalamineSheet, context: ReadContext, label: str, kind: str) -> Iterator[Row]:
    limits = context.limits
    start_column = sheet.start[1] if sheet.start and sheet.height else 0
    if start_column + sheet.width > limits.max_columns:
        raise TooLarge(
            "transfer.sheet_too_many_columns",
            sheet=label,
            row=1,
            count=start_column + sheet.width,
            limit=limits.max_columns,
        )
    pad: list[Cell] = [None] * start_column
    merges = _header_merges(sheet)
    values: list[Any]
    for index, values in enumerate(_call(context, kind, sheet.iter_rows)):
        if index >= limits.max_rows:
            raise TooLarge("transfer.sheet_too_many_rows", sheet=label, limit=limits.max_rows)
        row: Row = pad + [None if value == "" else value for value in values]
        if merges and index < merges.last_row:
            merges.fill(index, row)
        yield row


class _HeaderMerges:
    """Merged ranges that start in the header area; their value is spread across the range."""

    def __init__(self, ranges: list[Merge]) -> None:
        self.ranges = ranges
        self.values: dict[Merge, Cell] = {}
        self.last_row = max(end[0] for _, end in ranges) + 1

    def fill(self, index: int, row: Row) -> None:
        for merge in self.ranges:
            (top, left), (bottom, right) = merge
            if not top <= index <= bottom:
                continue
            if len(row) <= right:
                row.extend([None] * (right + 1 - len(row)))
            if index == top:
                self.values[merge] = row[left]
            value = self.values.get(merge)
            for column in range(left, right + 1):
                if row[column] is None:
                    row[column] = value


def _header_merges(sheet: CalamineSheet) -> _HeaderMerges | None:
    """Merged ranges near the top, if calamine reports them; absolute, like our padded rows."""
    try:
        ranges = sheet.merged_cell_ranges or []
    except Exception:  # not every format exposes merges; then nothing is spread
        return None
    first_row = sheet.start[0] if sheet.start and sheet.height else 0
    header = [
        ((top, left), (bottom, right))
        for (top, left), (bottom, right) in ranges
        if top < first_row + HEADER_AREA_ROWS and right - left < 1_000 and bottom - top < 100
    ]
    return _HeaderMerges(header) if header else None


def column_letters(number: int) -> str:
    """1 → A, 27 → AA: the column name a spreadsheet user sees."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
