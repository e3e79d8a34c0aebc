"""Pre-checks of office zips (XLSX, DOCX, ODS) before a parser that trusts them sees them.

calamine aborts the whole process (a Rust allocation failure, not an exception) when a sheet
holds one cell at XFD1048576 or `<sst uniqueCount>` claims billions of strings, so the bounds
are measured here first by streaming every part: zip caps, DTDs, shared-strings counts and each
worksheet's real extent. The fast path uses byte-level regex searches (no object per cell);
parts written in an unusual shape fall back to an exact lxml scan.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from lxml import etree

from orderdesk.transfer import messages_binary  # noqa: F401  (registers the texts)
from orderdesk.transfer.formats.base import FormatError, Limits, ReadContext, TooLarge
from orderdesk.transfer.formats.zipcheck import check_zip_entries

_CHUNK = 4 * 1024 * 1024
_DENSE_CELL_BYTES = 32  # calamine's in-memory size of one cell of the dense range
# An ODS cell costs calamine about twice that (measured: 10M one-letter cells ≈ 600 MB).
_ODS_CELL_BYTES = 64
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_ROW = re.compile(rb'<c r="[A-Z]{1,3}(\d{1,9})"')
_SST_COUNTS = re.compile(rb'\s(?:count|uniqueCount)="(\d{1,20})"')
_ODD_TAGS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:c[\s>/]|c[>/])")
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")


def check_office_zip(path: Path, context: ReadContext, *, kind: str) -> None:
    """Refuse an XLSX, DOCX or ODS whose parts would cost more than the limits allow."""
    name = context.filename
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            check_zip_entries(infos, context.limits, name)
            spent = 0
            for info in infos:
                if not info.is_dir():
                    spent = _check_part(archive, info, context, kind, spent)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise FormatError(
            "transfer.corrupt_file", name=name, format=kind.upper(), reason=str(exc)[:200]
        ) from None


def _check_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, context: ReadContext, kind: str, spent: int
) -> int:
    part = info.filename
    lowered = part.lower()
    scanner: _Scanner = _Scanner(context, part)
    if kind == "xlsx" and "worksheets/" in lowered and lowered.endswith(".xml"):
        scanner = _SheetScanner(context, part)
    elif kind == "xlsx" and lowered.endswith("sharedstrings.xml"):
        scanner = _SharedStringsScanner(context, part)
    elif kind == "docx" and lowered.startswith("word/") and lowered.endswith(".xml"):
        scanner = _WordScanner(context, part)
    elif kind == "ods" and lowered == "content.xml":
        scanner = _TextScanner(context, part)
    is_xml = lowered.endswith(_XML_SUFFIXES)
    with archive.open(info) as stream:
        for data in _chunks(stream):
            spent += len(data)
            if spent > context.limits.max_unpacked_bytes:
                raise TooLarge(
                    "transfer.unpacked_too_large",
                    name=context.filename,
                    member=part,
                    limit=context.limits.max_unpacked_bytes,
                )
            if is_xml:
                scanner.feed(data)
    if isinstance(scanner, _SheetScanner) and scanner.exact:
        with archive.open(info) as stream:
            scanner.max_row, scanner.widest = _exact_extent(stream, context, part)
    scanner.finish()
    if kind == "ods" and lowered == "content.xml":
        with archive.open(info) as stream:
            _check_ods_content(stream, context)
    return spent


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    """Whole-tag chunks: each ends at a '>' so no tag is split between two of them."""
    tail = b""
    while chunk := stream.read(_CHUNK):
        data = tail + chunk
        cut = data.rfind(b">") + 1
        if cut == 0 and len(data) > 4 * _CHUNK:
            cut = len(data)  # no tag end for 16 MB: not XML worth keeping whole
        tail = data[cut:]
        if cut:
            yield data[:cut]
    if tail:
        yield tail


class _Scanner:
    """Any XML part: refuse DTDs (no office format needs one; they carry entity bombs)."""

    def __init__(self, context: ReadContext, part: str) -> None:
        self.context = context
        self.part = part

    def feed(self, data: bytes) -> None:
        if _DTD.search(data):
            raise FormatError("transfer.office_doctype", name=self.context.filename, part=self.part)

    def finish(self) -> None:
        return None


class _TextScanner(_Scanner):
    """No text between two tags longer than a cell may be: inline strings, values, formulas."""

    def __init__(self, context: ReadContext, part: str) -> None:
        super().__init__(context, part)
        self._long = _long_text(context.limits.max_cell_chars)

    def feed(self, data: bytes) -> None:
        super().feed(data)
        if self._long.search(data):
            _fail_long(self.context, self.part)


class _SharedStringsScanner(_Scanner):
    """Declared and real counts of shared strings; calamine preallocates the declared one."""

    def __init__(self, context: ReadContext, part: str) -> None:
        super().__init__(context, part)
        self.count = 0
        self.header_seen = False

    def feed(self, data: bytes) -> None:
        super().feed(data)
        if _long_text(self.context.limits.max_cell_chars).search(data):
            _fail_long(self.context, self.part)
        if not self.header_seen:
            self.header_seen = True
            start = data.find(b"<sst")
            header = data[start : data.find(b">", start) + 1] if start >= 0 else b""
            for declared in _SST_COUNTS.findall(header):
                self._check(int(declared))
        self.count += len(_SI.findall(data))
        self._check(self.count)

    def _check(self, count: int) -> None:
        limit = self.context.limits.max_shared_strings
        if count > limit:
            raise TooLarge(
                "transfer.shared_strings", name=self.context.filename, count=count, limit=limit
            )


class _WordScanner(_Scanner):
    """python-docx expands a cell's `gridSpan` into that many cells; bound it by the columns."""

    def __init__(self, context: ReadContext, part: str) -> None:
        super().__init__(context, part)
        above = _number_above(context.limits.max_columns)
        self._span = re.compile(
            rb"<(?:[A-Za-z_][\w.-]*:)?grid(?:Span|Before|After)\s[^>]*?val=\"" + above + b'"'
        )

    def feed(self, data: bytes) -> None:
        super().feed(data)
        if self._span.search(data):
            limits = self.context.limits
            raise TooLarge(
                "transfer.sheet_too_many_columns",
                sheet=f"{self.context.filename}/{self.part}",
                row="?",
                count=f">{limits.max_columns}",
                limit=limits.max_columns,
            )


class _SheetScanner(_TextScanner):
    """A worksheet's real extent, from its cell references, checked against the limits."""

    def __init__(self, context: ReadContext, part: str) -> None:
        super().__init__(context, part)
        limits = context.limits
        self.max_row = 0
        self.widest = 0
        self.exact = False
        steps = [w for w in (16, 32, 64, 128, 256) if w < limits.max_columns]
        self._steps = [*steps, limits.max_columns]
        self._step_patterns = {w: re.compile(rb'<c r="' + _letters_above(w)) for w in self._steps}

    def feed(self, data: bytes) -> None:
        super().feed(data)
        if not self.exact and not _plain_shape(data):
            self.exact = True  # prefixed tags or refs not first: measured exactly afterwards
        if not self.exact:
            self._fast(data)

    def _fast(self, data: bytes) -> None:
        # calamine places a cell by its own reference, whatever row tag holds it.
        rows = _CELL_ROW.findall(data)
        if len(rows) != data.count(b'<c r="'):
            self._fail_shape()  # a reference no spreadsheet writes (4 letters, 10 digits)
        if rows:
            self.max_row = max(self.max_row, max(map(int, rows)))
        if self.max_row > self.context.limits.max_rows:
            self._fail_shape()
        self._widen(data)

    def _widen(self, data: bytes) -> None:
        """Raise the sheet's width bound to the smallest step no cell of this chunk exceeds."""
        for step in self._steps:
            if step >= self.widest and not self._step_patterns[step].search(data):
                self.widest = max(self.widest, step)
                return
        self._fail_shape()

    def finish(self) -> None:
        self._check(self.max_row, self.widest)

    def _check(self, rows: int, columns: int) -> None:
        limits = self.context.limits
        budget = limits.parser_memory_bytes // _DENSE_CELL_BYTES
        if rows > limits.max_rows or columns > limits.max_columns or rows * columns > budget:
            self._fail(rows, columns)

    def _fail_shape(self) -> None:
        limits = self.context.limits
        self._fail(limits.max_rows, limits.max_columns)

    def _fail(self, rows: int, columns: int) -> None:
        limits = self.context.limits
        raise TooLarge(
            "transfer.sheet_too_big",
            name=self.context.filename,
            sheet=self.part,
            rows=f"≥{rows}" if rows >= limits.max_rows else rows,
            columns=columns,
            limit=f"{limits.max_rows}×{limits.max_columns}",
        )


def _plain_shape(data: bytes) -> bool:
    """Every cell and row tag is unprefixed with its reference first, as Excel writes them."""
    return data.count(b'<c r="') == data.count(b"<c ") and _ODD_TAGS.search(data) is None


def _long_text(limit: int) -> re.Pattern[bytes]:
    # A chunk may also start or end inside a text run: `_chunks` hands over 16 MB without a
    # tag end whole, so a huge cell's text can arrive without the tags around it.
    return re.compile(b"(?:^|>)[^<]{%d,}(?:<|$)" % (limit + 1))


def _fail_long(context: ReadContext, part: str) -> None:
    raise TooLarge(
        "transfer.sheet_cell_too_long",
        sheet=f"{context.filename}/{part}",
        row="?",
        column="?",
        limit=context.limits.max_cell_chars,
    )


def _exact_extent(stream: IO[bytes], context: ReadContext, part: str) -> tuple[int, int]:
    """Rows and columns as calamine would place them, for sheets in an unusual shape."""
    row = col = max_row = max_col = 0
    try:
        for event, element in etree.iterparse(
            stream, events=("start", "end"), resolve_entities=False, no_network=True
        ):
            tag = etree.QName(element).localname
            if event == "start" and tag in ("row", "c"):
                ref = element.get("r")
                if tag == "row":
                    row, col = (int(ref) if ref and ref.isdigit() else row + 1), 0
                else:
                    col = _column_number(ref) if ref else col + 1
                    max_row, max_col = max(max_row, row), max(max_col, col)
            elif event == "end" and tag == "row":
                element.clear(keep_tail=False)
                while element.getprevious() is not None:  # keep the tree from growing
                    del element.getparent()[0]
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise FormatError(
            "transfer.corrupt_file", name=context.filename, format="XLSX", reason=f"{part}: {exc}"
        ) from None
    return max_row, max_col


def _column_number(ref: str) -> int:
    letters = ref.rstrip("0123456789$").lstrip("$")
    number = 0
    for letter in letters[:4].upper():
        number = number * 26 + ord(letter) - 64
    return number


def _letters_above(limit: int) -> bytes:
    """A regex for column letters whose number is greater than `limit`."""
    letters = ""
    n = limit
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    alternatives = [f"[A-Z]{{{len(letters) + 1},}}"]
    for i, letter in enumerate(letters):
        if letter != "Z":
            tail = f"[A-Z]{{{len(letters) - i - 1}}}" if len(letters) - i - 1 else ""
            alternatives.append(f"{letters[:i]}[{chr(ord(letter) + 1)}-Z]{tail}")
    return f"(?:{'|'.join(alternatives)})[0-9]".encode()


def _number_above(limit: int) -> bytes:
    """A regex for decimal numbers (no leading zeros) greater than `limit`."""
    digits = str(limit)
    alternatives = [f"[1-9][0-9]{{{len(digits)},}}"]
    for i, digit in enumerate(digits):
        if digit != "9":
            tail = f"[0-9]{{{len(digits) - i - 1}}}" if len(digits) - i - 1 else ""
            alternatives.append(f"{digits[:i]}[{int(digit) + 1}-9]{tail}")
    return f"(?:{'|'.join(alternatives)})".encode()


_ODS_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"


def _check_ods_content(stream: IO[bytes], context: ReadContext) -> None:
    """Expand ODS repeat counts as calamine would, counting only cells that hold values.

    calamine builds every table of an ODS when it opens the file, so the cells of all tables
    together must fit the memory budget, not each table alone.
    """
    limits = context.limits
    budget = limits.parser_memory_bytes // _ODS_CELL_BYTES
    total = 0
    for table, rows, columns in _ods_extents(stream, context):
        total += rows * columns
        if rows > limits.max_rows or columns > limits.max_columns or total > budget:
            raise TooLarge(
                "transfer.sheet_too_big",
                name=context.filename,
                sheet=table,
                rows=rows,
                columns=columns,
                limit=f"{limits.max_rows}×{limits.max_columns}",
            )


def _ods_extents(stream: IO[bytes], context: ReadContext) -> Iterator[tuple[str, int, int]]:
    table_tag, row_tag, cell_tag = (
        f"{{{_ODS_NS}}}{t}" for t in ("table", "table-row", "table-cell")
    )
    repeated_rows, repeated_cols = (
        f"{{{_ODS_NS}}}number-rows-repeated",
        f"{{{_ODS_NS}}}number-columns-repeated",
    )
    value_type = f"{{{_OFFICE_NS}}}value-type"
    name, row, col, max_row, max_col = "", 0, 0, 0, 0
    try:
        events = etree.iterparse(
            stream, events=("start", "end"), resolve_entities=False, no_network=True
        )
        for event, element in events:
            if event == "start" and element.tag == table_tag:
                name, row, max_row, max_col = str(element.get(f"{{{_ODS_NS}}}name")), 0, 0, 0
            elif event == "start" and element.tag == row_tag:
                col = 0
            elif event == "end" and element.tag == cell_tag:
                span = _repeat(element.get(repeated_cols))
                col += span
                if element.get(value_type) is not None or len(element):
                    max_col = max(max_col, col)
                    max_row = max(max_row, row + 1)
                element.clear(keep_tail=False)
            elif event == "end" and element.tag == row_tag:
                rows_here = _repeat(element.get(repeated_rows))
                if max_row == row + 1:  # the row holds values, so every repeat of it does
                    max_row = row + rows_here
                row += rows_here
                element.clear(keep_tail=False)
            elif event == "end" and element.tag == table_tag:
                yield name, max_row, max_col
                element.clear(keep_tail=False)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise FormatError(
            "transfer.corrupt_file", name=context.filename, format="ODS", reason=str(exc)[:200]
        ) from None


def _repeat(value: str | None) -> int:
    if value is None or not value.isdigit() or len(value) > 9:
        return 1 if value is None else 10**9
    return max(int(value), 1)


__all__ = ["Limits", "check_office_zip"]
