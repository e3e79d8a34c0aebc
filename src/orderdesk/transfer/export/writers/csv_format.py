"""CSV: RFC 4180 quoting, `,` `;` `|` or tab, UTF-8 (BOM for Excel optional), formulas defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from orderdesk.transfer.export.columns import Column, Formatter, compile_row
from orderdesk.transfer.export.sanitize import escape_cell
from orderdesk.transfer.export.writers.base import (
    WriterOptions,
    as_bool_text,
    as_decimal_comma,
    as_decimal_text,
    as_iso,
    as_list_text,
)

BOM = "\ufeff".encode()


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return escape_cell(value if value.__class__ is str else str(value))


def _list(value: Any) -> str | None:
    text = as_list_text(value)
    return None if text is None else escape_cell(text)


def formatter(kind: str, options: WriterOptions) -> Formatter | None:
    """None where the csv module writes the value as it is (ints; None as empty)."""
    if kind == "text":
        return _text
    if kind == "decimal":
        return as_decimal_comma if options.decimal_comma else as_decimal_text
    if kind in ("datetime", "date"):
        return as_iso
    if kind == "bool":
        return as_bool_text
    if kind == "list":
        return _list
    return None


class CsvWriter:
    blocking = False

    def __init__(self, columns: Sequence[Column], options: WriterOptions) -> None:
        self._options = options
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, delimiter=options.delimiter, lineterminator="\r\n")
        self._row = compile_row(columns, [formatter(c.kind, options) for c in columns])
        names = [c.label(options.lang) if options.header == "labels" else c.key for c in columns]
        self._header = [escape_cell(name) for name in names]

    def _take(self) -> bytes:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text.encode()

    def start(self) -> bytes:
        self._csv.writerow(self._header)
        return (BOM if self._options.bom else b"") + self._take()

    def write(self, rows: Sequence[Any]) -> bytes:
        self._csv.writerows(map(self._row, rows))
        return self._take()

    def finish(self) -> bytes:
        return b""
