"""The mismatch report: one line per pair or lone record, as CSV or XLSX, ru or en headers."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import xlsxwriter

from orderdesk.core.i18n import t

Lang = Literal["ru", "en"]
COLUMNS = (
    "key", "status", "number_a", "time_a", "amount_a", "number_b", "time_b", "amount_b",
    "difference", "seconds", "candidates",
)  # fmt: skip
AMOUNTS = frozenset({"amount_a", "amount_b", "difference"})
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_BATCH = 500
XLSX_BATCH = 2000


def headers(lang: Lang) -> list[str]:
    names = [t(f"reconciliation.column.{c}", lang) for c in COLUMNS]
    return [
        f"{n} (UTC)" if c.startswith("time") else n for n, c in zip(names, COLUMNS, strict=True)
    ]


def line(row: dict[str, Any], lang: Lang) -> dict[str, Any]:
    """A report line from an A row (with its B counterpart) or a lone B row."""
    a_side = row["side"] == "A"
    own = (row["number"], row["at"], row["amount"])
    other = (row["counterpart_number"], row["counterpart_at"], row["counterpart_amount"])
    (na, ta, aa), (nb, tb, ab) = (own, other) if a_side else (other, own)
    delta_ms = row["time_delta_ms"]
    return {
        "key": row["key"],
        "status": t(f"reconciliation.status.{row['status']}", lang),
        "number_a": na, "time_a": ta, "amount_a": aa,
        "number_b": nb, "time_b": tb, "amount_b": ab,
        "difference": row["amount_delta"],
        "seconds": None if delta_ms is None else Decimal(delta_ms) / 1000,
        "candidates": row["candidates"] or None,
    }  # fmt: skip


def _text(value: Any, lang: Lang, column: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, Decimal | int):
        text = format(Decimal(value).quantize(Decimal("0.01")) if column in AMOUNTS else value, "f")
        return text.replace(".", ",") if lang == "ru" else text
    text = str(value)
    # A cell starting like a formula is data, not a formula, when Excel opens the file.
    return "'" + text if text.startswith(FORMULA_START) else text


async def csv_chunks(rows: AsyncIterator[dict[str, Any]], lang: Lang) -> AsyncIterator[bytes]:
    """UTF-8 with BOM; ";" and decimal comma for Russian Excel, "," and a dot otherwise."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";" if lang == "ru" else ",", lineterminator="\r\n")
    writer.writerow(headers(lang))
    pending = 0
    yield "\ufeff".encode()
    async for row in rows:
        values = line(row, lang)
        writer.writerow([_text(values[c], lang, c) for c in COLUMNS])
        pending += 1
        if pending >= CSV_BATCH:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode()


class XlsxReport:
    """An XLSX report written row by row in constant memory; text is never a formula."""

    def __init__(self, path: Path, lang: Lang) -> None:
        self.lang = lang
        self.book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
        self.sheet = self.book.add_worksheet(t("reconciliation.sheet", lang)[:31])
        self.money = self.book.add_format({"num_format": "#,##0.00"})
        self.stamp = self.book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
        self.sheet.write_row(0, 0, headers(lang), self.book.add_format({"bold": True}))
        self.sheet.freeze_panes(1, 0)
        self.sheet.set_column(0, 0, 18)
        self.sheet.set_column(1, len(COLUMNS) - 1, 16)
        self.rows = 0

    def add(self, lines: Iterable[dict[str, Any]]) -> None:
        for values in lines:
            self.rows += 1
            for c, column in enumerate(COLUMNS):
                money = self.money if column in AMOUNTS else None
                _cell(self.sheet, self.rows, c, values[column], money, self.stamp)

    def close(self) -> None:
        self.book.close()


async def write_xlsx(path: Path, rows: AsyncIterator[dict[str, Any]], lang: Lang) -> None:
    """Write the report in batches, off the event loop, holding one batch in memory."""
    report = await asyncio.to_thread(XlsxReport, path, lang)
    try:
        batch: list[dict[str, Any]] = []
        async for row in rows:
            batch.append(line(row, lang))
            if len(batch) >= XLSX_BATCH:
                await asyncio.to_thread(report.add, batch)
                batch = []
        await asyncio.to_thread(report.add, batch)
    finally:
        await asyncio.to_thread(report.close)


def _cell(sheet: Any, r: int, c: int, value: Any, money: Any, stamp: Any) -> None:
    if value is None:
        return
    if isinstance(value, datetime):
        sheet.write_datetime(r, c, value.astimezone(UTC).replace(tzinfo=None), stamp)
    elif isinstance(value, Decimal | int):
        sheet.write_number(r, c, float(value), money)
    else:
        sheet.write_string(r, c, str(value))


def xlsx_path() -> str:
    """A new temporary file name for an XLSX report (the caller deletes the file)."""
    handle = tempfile.NamedTemporaryFile(suffix=".xlsx", delete=False)  # noqa: SIM115
    handle.close()
    return handle.name
