"""CSV: RFC 4180 quoting, `,` `;` `|` or tab, UTF-8 (BOM for Excel optional), formulas defused."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from orderdesk.transfer.export.columns import Column, Formatter, Inline, compile_row
from orderdesk.transfer.export.sanitize import TRIGGERS, escape_cell
from orderdesk.transfer.export.writers.base import (
    DECIMAL,
    DECIMAL_COMMA,
    ISO,
    WriterOptions,
    as_bool_text,
    as_list_text,
)

BOM = "\ufeff".encode()
_LINE = itemgetter(0)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return escape_cell(value if value.__class__ is str else str(value))


# Most texts start with a letter or digit: they pass without a function call.
_STARTS = tuple(TRIGGERS)
TEXT = Inline(
    "(v if (v := {x}).__class__ is _str and not v.startswith(_STARTS) else _text(v))",
    (("_str", str), ("_STARTS", _STARTS), ("_text", _text)),
)
# A database text column holds str or None: one check fewer.
TYPED_TEXT = Inline(
    "(v if (v := {x}) is None or not v.startswith(_STARTS) else _text(v))",
    (("_STARTS", _STARTS), ("_text", _text)),
)


def _list(value: Any) -> str | None:
    text = as_list_text(value)
    return None if text is None else escape_cell(text)


def formatter(column: Column, options: WriterOptions) -> Formatter | None:
    """None where the csv module writes the value as it is (ints, finished text; None as
    empty). Amounts and timestamps never start a formula: they are not escaped."""
    kind = column.kind
    if column.rendered:
        return None
    if kind == "text":
        return TYPED_TEXT if column.typed else TEXT
    if kind == "decimal":
        return DECIMAL_COMMA if options.decimal_comma else DECIMAL
    if kind in ("datetime", "date"):
        return ISO
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
        self._row = compile_row(columns, [formatter(c, options) for c in columns])
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
        if self._options.prebuilt:
            return b"".join(map(_LINE, rows))
        self._csv.writerows(map(self._row, rows))
        return self._take()

    def finish(self) -> bytes:
        return b""
