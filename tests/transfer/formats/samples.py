"""Small files the text-format tests build themselves: OLE2 containers, ZIP-based office files."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

from orderdesk.transfer.formats import Limits, Source, open_source
from orderdesk.transfer.formats.base import Row
from tests.files import samples as files_samples

_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def _entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\x00").encode("utf-16-le") if name else b""
    head = encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
    links = struct.pack("<III", _NONE, _NONE, child)
    return head + links + b"\x00" * 36 + struct.pack("<IQ", start, size)


def ole2(stream: str) -> bytes:
    """A real compound file (what .xls and .doc are) holding one 4 KiB stream named `stream`."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108
    fat = [_FAT, _END, *range(3, 10), _END] + [_FREE] * 118
    directory = _entry("Root Entry", 5, 1, _END, 0) + _entry(stream, 2, _NONE, 2, 4096)
    directory += _entry("", 0, _NONE, 0, 0) * 2
    return header + struct.pack("<128I", *fat) + directory + b"\x01" * 4096


PDF = files_samples.PDF
ELF = files_samples.ELF
xlsx = files_samples.xlsx
docx = files_samples.docx
ods = files_samples.ods
plain_zip = files_samples.plain_zip
RAR = b"Rar!\x1a\x07\x01\x00" + b"\x00" * 64


def write(folder: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    """Save a sample under `name` in the test's folder."""
    path = folder / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def read(path: Path, limits: Limits | None = None, **options: Any) -> tuple[Source, list[Row]]:
    """Detect and read a file; the rows of its (only) sheet."""
    source = open_source(path, filename=path.name, limits=limits, **options)
    sheets = list(source.sheets)
    assert len(sheets) == 1
    return source, list(sheets[0].rows)


def png_bytes() -> bytes:
    return files_samples.png()
