"""Builders of binary sample files (and hostile ones) for the binary-format reader tests."""

from __future__ import annotations

import importlib
import struct
import sys
import types
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from orderdesk.transfer.formats.base import Limits, ReadContext, Row, Sheet, Source

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def context(name: str, **limits: int | float) -> ReadContext:
    return ReadContext(Limits(**limits), name)  # type: ignore[arg-type]


def read_all(sheets: Iterator[Sheet]) -> dict[str, list[Row]]:
    return {sheet.name: list(sheet.rows) for sheet in sheets}


def write_xlsx_parts(path: Path, sheet_xml: str, extra: dict[str, str] | None = None) -> Path:
    """An XLSX written part by part, so tests can put anything into the sheet XML."""
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_MAIN_NS}" '
            f'xmlns:r="{_REL_NS}"><sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG_REL_NS}">'
            f'<Relationship Id="rId1" Type="{_REL_NS}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN_NS}">'
            f"{sheet_xml}</worksheet>"
        ),
        **(extra or {}),
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def inline_row(number: int, *values: str) -> str:
    cells = "".join(
        f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(values)
    )
    return f'<row r="{number}">{cells}</row>'


def write_ods(path: Path, table_body: str, name: str = "Лист1") -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{name}">{table_body}'
        "</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return path


def ods_cell(value: str, repeat: int = 1) -> str:
    repeated = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (
        f'<table:table-cell office:value-type="string"{repeated}><text:p>{value}</text:p>'
        "</table:table-cell>"
    )


def rar4_stored(
    members: list[tuple[str, bytes]], *, unix_modes: dict[str, int] | None = None
) -> bytes:
    """A RAR 4 archive of uncompressed members (no RAR writer is free software)."""
    modes = unix_modes or {}

    def block(head_type: int, flags: int, body: bytes) -> bytes:
        header = struct.pack("<BHH", head_type, flags, 7 + len(body)) + body
        return struct.pack("<H", zlib.crc32(header) & 0xFFFF) + header

    out = b"Rar!\x1a\x07\x00" + block(0x73, 0, b"\x00" * 6)
    for name, data in members:
        encoded = name.encode("utf-8")
        mode = modes.get(name, 0o100644)
        body = struct.pack(
            "<IIBIIBBHI",
            len(data),
            len(data),
            3,  # host OS: Unix, so the attributes are a mode
            zlib.crc32(data),
            0x5A000000,
            20,
            0x30,  # method: store
            len(encoded),
            mode,
        )
        out += block(0x74, 0x8000, body + encoded) + data
    return out + block(0x7B, 0x4000, b"")


def _sniff(path: Path) -> str:
    head = path.read_bytes()[:8]
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                mimetype = archive.read("mimetype") if "mimetype" in names else b""
        except zipfile.BadZipFile:
            return "zip"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "word/document.xml" in names:
            return "docx"
        return "ods" if b"opendocument.spreadsheet" in mimetype else "zip"
    if head.startswith(b"Rar!"):
        return "rar"
    if head.startswith(b"%PDF"):
        return "pdf"
    return path.suffix.lstrip(".") or "bin"


def fake_detect(path: Path, filename: str, context: ReadContext) -> Source:
    """A stand-in for formats.detect (owned by the text-formats work) in these tests only."""
    declared = Path(filename).suffix.lstrip(".").lower() or None
    return Source(format=_sniff(path), sheets=iter(()), declared_format=declared)


@pytest.fixture
def detector(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use the real detector when it exists on this branch, else the stand-in."""
    try:
        importlib.import_module("orderdesk.transfer.formats.detect")
    except ImportError:
        module = types.ModuleType("orderdesk.transfer.formats.detect")
        module.detect = fake_detect  # type: ignore[attr-defined]
        monkeypatch.setitem(sys.modules, "orderdesk.transfer.formats.detect", module)
