"""Tiny legacy Excel (BIFF8) workbooks written by hand: an OLE2 container with a Workbook stream.

No XLS writer is installed (LibreOffice is optional), and the guard tests need workbooks no
writer would produce anyway (a lone cell at the last row and column).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from pathlib import Path

_END, _FREE, _FAT, _NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
_SECTOR = 512
XlsCell = tuple[int, int, float | str]  # row, column (0-based), value


def _record(kind: int, data: bytes) -> bytes:
    return struct.pack("<HH", kind, len(data)) + data


def _bof(kind: int) -> bytes:
    return _record(0x0809, struct.pack("<HHHHII", 0x0600, kind, 0x0DBB, 0x07CC, 0, 0x06))


def _cell(row: int, column: int, value: float | str) -> bytes:
    if isinstance(value, str):
        text = struct.pack("<HB", len(value), 1) + value.encode("utf-16-le")
        return _record(0x0204, struct.pack("<HHH", row, column, 15) + text)  # LABEL
    return _record(0x0203, struct.pack("<HHHd", row, column, 15, value))  # NUMBER


def workbook_stream(sheets: dict[str, Sequence[XlsCell]]) -> bytes:
    """BIFF8 globals (BOF, one BOUNDSHEET8 per sheet, EOF) followed by each sheet's substream."""
    names = list(sheets)
    bodies = [
        _bof(0x0010) + b"".join(_cell(r, c, v) for r, c, v in sheets[n]) + _record(0x000A, b"")
        for n in names
    ]

    def boundsheet(name: str, offset: int) -> bytes:
        title = struct.pack("<BB", len(name), 1) + name.encode("utf-16-le")
        return _record(0x0085, struct.pack("<IBB", offset, 0, 0) + title)

    globals_size = len(_bof(0x0005)) + len(_record(0x000A, b""))
    globals_size += sum(len(boundsheet(n, 0)) for n in names)
    parts, offset = [], globals_size
    for name, body in zip(names, bodies, strict=True):
        parts.append(boundsheet(name, offset))
        offset += len(body)
    return _bof(0x0005) + b"".join(parts) + _record(0x000A, b"") + b"".join(bodies)


def ole2_file(stream_name: str, data: bytes) -> bytes:
    """A compound file holding one stream (at least 4 KiB, so no mini stream is needed)."""
    data = data.ljust(max(4096, -(-len(data) // _SECTOR) * _SECTOR), b"\x00")
    sectors = len(data) // _SECTOR
    if sectors + 2 > 128:
        raise ValueError("sample too large for a one-sector FAT")
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
    header += struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
    header += struct.pack("<IIIIIIIII", 0, 1, 1, 0, 4096, _END, 0, _END, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", _FREE) * 108
    chain = [*range(3, sectors + 2), _END]
    fat = [_FAT, _END, *chain] + [_FREE] * (128 - 2 - sectors)

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        encoded = (name + "\x00").encode("utf-16-le") if name else b""
        head = encoded.ljust(64, b"\x00") + struct.pack("<HBB", len(encoded), kind, 1)
        links = struct.pack("<III", _NONE, _NONE, child)
        return head + links + b"\x00" * 36 + struct.pack("<IQ", start, size)

    directory = entry("Root Entry", 5, 1, _END, 0) + entry(stream_name, 2, _NONE, 2, len(data))
    directory += entry("", 0, _NONE, 0, 0) * 2
    return header + struct.pack("<128I", *fat) + directory + data


def write_xls(path: Path, sheets: dict[str, Sequence[XlsCell]]) -> Path:
    path.write_bytes(ole2_file("Workbook", workbook_stream(sheets)))
    return path
