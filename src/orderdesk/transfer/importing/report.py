"""The error report: rejected rows spooled to a file during the job, rendered as CSV or XLSX."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import orjson

from orderdesk.core.i18n import t
from orderdesk.files.storage import Storage
from orderdesk.transfer import messages_sheets  # noqa: F401  (registers the texts)
from orderdesk.transfer.importing.targets.base import Rejection

MAX_REPORTED = 100_000  # rows listed in the report; the count goes on beyond
SUMMARY_ROWS = 20
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
COLUMNS = (
    "import.report.source",
    "import.report.row",
    "import.report.column",
    "import.report.value",
    "import.report.reason",
)


class RejectionLog:
    """Rejections of one run: counted, the first ones kept, the rest spooled to a temp file."""

    def __init__(self) -> None:
        self.count = 0
        self.rows = 0  # rejected rows; one row may have several reasons
        self.sheet = ""  # the sheet being read: rejections are recorded under its name
        self._last_row: tuple[str, int] = ("", -1)
        self.first: list[dict[str, Any]] = []
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115

    def add(self, rejections: Iterable[Rejection]) -> None:
        for rejection in rejections:
            self.count += 1
            if (self.sheet, rejection.row) != self._last_row:
                self.rows += 1
                self._last_row = (self.sheet, rejection.row)
            if self.count > MAX_REPORTED:
                continue
            entry = {"sheet": self.sheet, **rejection.as_dict()}
            if len(self.first) < SUMMARY_ROWS:
                self.first.append(entry)
            self._file.write(orjson.dumps(entry) + b"\n")

    async def save(self, storage: Storage, key: str) -> None:
        """Store the spooled report under the key."""
        self._file.seek(0)

        async def chunks() -> AsyncIterator[bytes]:
            while chunk := await asyncio.to_thread(self._file.read, 256 * 1024):
                yield chunk

        await storage.put(key, chunks())

    def close(self) -> None:
        self._file.close()


async def entries(chunks: AsyncIterator[bytes]) -> AsyncIterator[dict[str, Any]]:
    """The stored report's entries, one per line."""
    pending = b""
    async for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line:
                yield orjson.loads(line)
    if pending.strip():
        yield orjson.loads(pending)


def safe_cell(value: str) -> str:
    """Neutralise spreadsheet formulas in text from an untrusted file."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _row(entry: dict[str, Any], locale: str) -> list[Any]:
    reason = entry["reason"].get(locale) or next(iter(entry["reason"].values()), "")
    sheet = safe_cell(entry.get("sheet", ""))
    return [sheet, entry["row"], safe_cell(entry["column"]), safe_cell(entry["value"]), reason]


async def render_csv(source: AsyncIterator[dict[str, Any]], locale: str) -> AsyncIterator[bytes]:
    """The report as CSV (UTF-8 with BOM, `;` — what Excel opens right in Russian locales)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([t(key, locale) for key in COLUMNS])
    yield "\ufeff".encode() + buffer.getvalue().encode()
    async for entry in source:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(_row(entry, locale))
        yield buffer.getvalue().encode()


async def render_xlsx(source: AsyncIterator[dict[str, Any]], locale: str) -> Path:
    """The report as an XLSX file (constant memory); the caller removes it."""
    rows = [row async for row in _limited(source)]
    return await asyncio.to_thread(_write_xlsx, rows, locale)


async def _limited(source: AsyncIterator[dict[str, Any]]) -> AsyncIterator[dict[str, Any]]:
    count = 0
    async for entry in source:
        count += 1
        if count > MAX_REPORTED:
            return
        yield entry


def _write_xlsx(rows: list[dict[str, Any]], locale: str) -> Path:
    import xlsxwriter

    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    book = xlsxwriter.Workbook(
        handle.name,
        {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False},
    )
    sheet = book.add_worksheet(t("import.report.sheet", locale)[:31])
    sheet.write_row(0, 0, [t(key, locale) for key in COLUMNS])
    for index, entry in enumerate(rows, start=1):
        row = _row(entry, locale)
        sheet.write_string(index, 0, str(row[0]))
        sheet.write_number(index, 1, row[1])
        for col in (2, 3, 4):
            sheet.write_string(index, col, str(row[col]))
    sheet.set_column(0, 0, 24)
    sheet.set_column(1, 1, 8)
    sheet.set_column(2, 3, 24)
    sheet.set_column(4, 4, 60)
    book.close()
    return Path(handle.name)


def iter_file(path: Path) -> Iterator[bytes]:
    """A file's bytes in chunks, then the file is removed."""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(256 * 1024):
                yield chunk
    finally:
        path.unlink(missing_ok=True)
