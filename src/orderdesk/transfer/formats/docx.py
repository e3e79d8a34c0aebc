"""Tables of a Word 2007+ document through python-docx: one Sheet per top-level table.

Merged cells come back filled: python-docx yields a horizontally spanned cell once per grid
column and a vertically merged one in every row it covers, which is what a merged two-level
header needs. Nested tables inside cells are read as their cell's text only.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
from docx.table import Table

from orderdesk.transfer import messages_binary  # noqa: F401  (registers the texts)
from orderdesk.transfer.formats.base import FormatError, ReadContext, Row, Sheet, reader
from orderdesk.transfer.formats.ooxml_guard import check_office_zip
from orderdesk.transfer.formats.sandbox import caps_of, check_row


@reader("docx")
def read_docx(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """Sheets of every table in a DOCX, named "file.docx/табл. N"."""
    check_office_zip(path, context, kind="docx")
    try:
        document = docx.Document(str(path))
        tables = list(document.tables)
    except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors on bad parts
        raise _corrupt(context, exc) from None
    caps = caps_of(context.limits)
    check_row([], context.filename, 0, caps, sheets=len(tables))
    for number, table in enumerate(tables, start=1):
        label = f"{context.filename}/табл. {number}"
        yield Sheet(name=label, rows=_rows(table, label, context, caps))


def _rows(table: Table, label: str, context: ReadContext, caps: dict[str, int]) -> Iterator[Row]:
    for number, row in enumerate(table.rows, start=1):
        try:
            before = [None] * row.grid_cols_before
            cells: Row = [*before, *(_text(cell) for cell in row.cells)]
        except (RecursionError, ValueError, AttributeError) as exc:
            raise _corrupt(context, f"{label}, row {number}: {exc}") from None
        check_row(cells, label, number, caps)
        yield cells


def _text(cell: Any) -> str | None:
    text = " ".join(str(cell.text).split())
    return text or None


def _corrupt(context: ReadContext, reason: object) -> FormatError:
    return FormatError(
        "transfer.corrupt_file",
        name=context.filename,
        format="DOCX",
        reason=str(reason)[:200] or "unreadable",
    )
