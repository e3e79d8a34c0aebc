"""One writer per export format, and what each format is on the wire."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from orderdesk.transfer.export.columns import Column
from orderdesk.transfer.export.writers.base import Writer, WriterOptions


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"
    ndjson = "ndjson"
    xml = "xml"
    xlsx = "xlsx"
    pdf = "pdf"


@dataclass(frozen=True, slots=True)
class FormatInfo:
    media_type: str
    extension: str
    streams: bool  # written as the rows arrive (constant memory), else built in a file


FORMATS: dict[ExportFormat, FormatInfo] = {
    ExportFormat.csv: FormatInfo("text/csv; charset=utf-8", "csv", True),
    ExportFormat.json: FormatInfo("application/json", "json", True),
    ExportFormat.ndjson: FormatInfo("application/x-ndjson", "ndjson", True),
    ExportFormat.xml: FormatInfo("application/xml", "xml", True),
    ExportFormat.xlsx: FormatInfo(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", False
    ),
    ExportFormat.pdf: FormatInfo("application/pdf", "pdf", False),
}


def make_writer(
    fmt: ExportFormat, columns: Sequence[Column], options: WriterOptions, path: Path | None
) -> Writer:
    """A writer for the format; XLSX and PDF need the path of the file they build."""
    if fmt is ExportFormat.csv:
        from orderdesk.transfer.export.writers.csv_format import CsvWriter

        return CsvWriter(columns, options)
    if fmt in (ExportFormat.json, ExportFormat.ndjson):
        from orderdesk.transfer.export.writers.json_format import JsonWriter

        return JsonWriter(columns, options, lines=fmt is ExportFormat.ndjson)
    if fmt is ExportFormat.xml:
        from orderdesk.transfer.export.writers.xml_format import XmlWriter

        return XmlWriter(columns, options)
    assert path is not None, "XLSX and PDF writers build a file"
    if fmt is ExportFormat.xlsx:
        from orderdesk.transfer.export.writers.xlsx_format import XlsxWriter

        return XlsxWriter(columns, options, path)
    from orderdesk.transfer.export.writers.pdf_format import PdfWriter

    return PdfWriter(columns, options, path)
