"""Tables of a PDF through pdfplumber, parsed in the sandbox: one Sheet per table.

A table that goes on over the next page repeating its header row is joined into one sheet
(the repeated header is dropped). Multi-line cell text is joined with spaces so a header such
as "Наименование / товара" still matches its synonyms.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from orderdesk.transfer import messages_binary  # noqa: F401  (registers the texts)
from orderdesk.transfer.formats.base import ReadContext, Row, Sheet, reader
from orderdesk.transfer.formats.sandbox import (
    RecordWriter,
    caps_of,
    check_row,
    run_limited,
    sheets_from_records,
)


@reader("pdf")
def read_pdf(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """Sheets of every table in the PDF; parsing runs in a CPU- and memory-limited child."""
    workdir = Path(tempfile.mkdtemp(prefix="orderdesk-pdf-"))
    try:
        records = workdir / "rows.jsonl"
        run_limited(
            "orderdesk.transfer.formats.pdf:extract_tables",
            [str(path), str(records), context.filename, caps_of(context.limits)],
            context.limits,
            name=context.filename,
        )
        yield from sheets_from_records(records)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def extract_tables(source: str, output: str, filename: str, caps: dict[str, int]) -> int:
    """Child side: write every table of `source` as records; returns the number of sheets."""
    import pdfplumber  # imported here: only the sandboxed child pays for it

    with pdfplumber.open(source) as document, open(output, "w", encoding="utf-8") as handle:
        tables = _TableJoiner(RecordWriter(handle), filename, caps)
        for page_number, page in enumerate(document.pages, start=1):
            found = page.extract_tables()
            for table_number, table in enumerate(found, start=1):
                tables.add(page_number, table_number, table)
            tables.page_done(page_number, len(found))
            page.close()  # drops the page's cached layout objects
        return tables.sheets


class _TableJoiner:
    """Starts a sheet per table, unless it continues the last table of the previous page."""

    def __init__(self, writer: RecordWriter, filename: str, caps: dict[str, int]) -> None:
        self.writer = writer
        self.filename = filename
        self.caps = caps
        self.sheets = 0
        self.rows = 0
        self.label = ""
        self.header: Row | None = None
        self.open_page: int | None = None

    def add(self, page: int, number: int, table: list[list[Any]]) -> None:
        rows: list[Row] = [[_clean(cell) for cell in row] for row in table]
        if not rows:
            return
        continues = number == 1 and self.open_page == page - 1 and rows[0] == self.header
        if continues:
            rows = rows[1:]
        else:
            self._start(f"{self.filename}/стр. {page}/табл. {number}", rows[0])
        for row in rows:
            self.rows += 1
            check_row(row, self.label, self.rows, self.caps)
            self.writer.row(row)
        self.open_page = None

    def _start(self, label: str, header: Row) -> None:
        self.sheets += 1
        check_row([], self.filename, 0, self.caps, sheets=self.sheets)
        self.label, self.header, self.rows = label, header, 0
        self.writer.sheet(label)

    def page_done(self, page: int, tables_on_page: int) -> None:
        """Only the last table of a page may go on over the next one."""
        self.open_page = page if tables_on_page else None


def _clean(cell: Any) -> str | None:
    if cell is None:
        return None
    text = " ".join(str(cell).split())
    return text or None
