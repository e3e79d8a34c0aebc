"""XLSX with xlsxwriter in constant-memory mode: numbers, dates and text as typed cells.

Every text goes through `write_string`, so no user value can become a formula; numbers stay
numbers (negative ones too). Rows beyond one sheet's limit continue on the next sheet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from orderdesk.transfer.export.columns import Column, compile_row
from orderdesk.transfer.export.writers.base import (
    WriterOptions,
    as_decimal_text,
    as_list_text,
    to_decimal,
)

MAX_ROWS = 1_048_575  # data rows per sheet (Excel's limit, less the header)
MAX_TEXT = 32_767  # characters per cell (Excel's limit)
Cell = Callable[[Worksheet, int, int, Any], None]


def _as_datetime(value: Any) -> datetime | None:
    """A datetime Excel holds exactly (UTC, whole milliseconds), else None (written as text).

    Excel keeps a time as a fraction of a day, read back to the millisecond; an offset other
    than UTC would be lost as well. Such values are written as their ISO text instead, so
    the file re-imports to the same value.
    """
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            return None
    if parsed.microsecond % 1000:
        return None
    if parsed.tzinfo is None:
        return parsed
    if parsed.utcoffset():
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None)


def _as_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _as_number(value: Any) -> float | None:
    """A number Excel holds exactly (its float reads back as the same decimal), else None."""
    found = to_decimal(value)
    if found is None or not found.is_finite():
        return None
    number = float(found)
    return number if Decimal(repr(number)) == found else None


class XlsxWriter:
    blocking = True

    def __init__(self, columns: Sequence[Column], options: WriterOptions, path: Path) -> None:
        self._book = xlsxwriter.Workbook(
            str(path),
            {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
        )
        self._columns = columns
        self._options = options
        self._bold = self._book.add_format({"bold": True, "bg_color": "#EEEEEE"})
        self._formats: dict[str, Format] = {
            "decimal": self._book.add_format({"num_format": "#,##0.00##"}),
            "datetime": self._book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
            "date": self._book.add_format({"num_format": "yyyy-mm-dd"}),
        }
        self._extract = compile_row(columns, [None] * len(columns))
        self._cells = [self._cell(c.kind) for c in columns]
        self._sheets = 0
        self._sheet = self._new_sheet()
        self._row = 1

    def _new_sheet(self) -> Worksheet:
        self._sheets += 1
        base = (self._options.title or "Export")[:25]
        name = base if self._sheets == 1 else f"{base} ({self._sheets})"
        sheet = self._book.add_worksheet(name)
        for index, column in enumerate(self._columns):
            sheet.set_column(index, index, max(8.0, min(60.0, column.width * 12)))
            label = column.label(self._options.lang) if self._options.header == "labels" else None
            sheet.write_string(0, index, label or column.key, self._bold)
        sheet.freeze_panes(1, 0)
        return sheet

    def _cell(self, kind: str) -> Cell:
        """A function writing one value of this kind as a typed cell (text if it is not one)."""
        fmt = self._formats.get(kind)

        def text(sheet: Worksheet, row: int, col: int, value: Any) -> None:
            if value.__class__ is str:
                pass
            elif isinstance(value, datetime | date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = as_decimal_text(value) or ""
            else:
                value = as_list_text(value) or ""
            sheet.write_string(row, col, value[:MAX_TEXT])

        def number(sheet: Worksheet, row: int, col: int, value: Any) -> None:
            found = _as_number(value)
            if found is None:
                text(sheet, row, col, value)
            else:
                sheet.write_number(row, col, found, fmt)

        def moment(sheet: Worksheet, row: int, col: int, value: Any) -> None:
            found = _as_date(value) if kind == "date" else _as_datetime(value)
            if found is None:
                text(sheet, row, col, value)
            else:
                sheet.write_datetime(row, col, found, fmt)

        def boolean(sheet: Worksheet, row: int, col: int, value: Any) -> None:
            if isinstance(value, bool):
                sheet.write_boolean(row, col, value)
            else:
                text(sheet, row, col, value)

        cells: dict[str, Cell] = {
            "int": number, "decimal": number, "datetime": moment, "date": moment, "bool": boolean
        }  # fmt: skip
        return cells.get(kind, text)

    def start(self) -> bytes:
        return b""

    def write(self, rows: Sequence[Any]) -> bytes:
        extract, cells = self._extract, self._cells
        for raw in rows:
            if self._row > MAX_ROWS:
                self._sheet, self._row = self._new_sheet(), 1
            sheet, row = self._sheet, self._row
            for col, value in enumerate(extract(raw)):
                if value is not None:
                    cells[col](sheet, row, col, value)
            self._row += 1
        return b""

    def finish(self) -> bytes:
        self._sheet.autofilter(0, 0, max(self._row - 1, 1), len(self._columns) - 1)
        self._book.close()
        return b""
