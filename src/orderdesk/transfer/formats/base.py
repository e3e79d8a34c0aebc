"""The contract every reader keeps: a file in, lazily produced sheets of raw cells out.

A reader never trusts the file: every loop is bounded by `Limits`, every failure is a
`FormatError` (a clear 4xx with the sheet, row and column when known), never a bare exception.
Values stay raw here (text as found, numbers and dates as the format types them); turning
"1 234,50" into a Decimal or "01.02.2024" into a date is the mapping layer's job.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from orderdesk.core.errors import AppError
from orderdesk.core.i18n import t

Cell = str | int | float | Decimal | bool | date | datetime | time | None
Row = list[Cell]


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps on what one import may cost; the defaults suit a small business's real files."""

    max_file_bytes: int = 512 * 1024 * 1024
    max_rows: int = 5_000_000
    max_columns: int = 512
    max_cell_chars: int = 100_000
    max_line_bytes: int = 4 * 1024 * 1024
    max_depth: int = 64
    max_sheets: int = 256
    max_archive_members: int = 1_000
    max_archive_depth: int = 2
    max_unpacked_bytes: int = 2 * 1024 * 1024 * 1024
    max_compression_ratio: float = 200.0
    max_shared_strings: int = 5_000_000
    parser_cpu_seconds: int = 60
    parser_memory_bytes: int = 1024 * 1024 * 1024


@dataclass(slots=True)
class Sheet:
    """One table of a file: a CSV, a worksheet, a PDF page's table, an archive member's table.

    `rows` is a one-shot iterator of raw rows, title and header rows included (header
    detection happens later). `name` shows where the rows came from, e.g.
    "prices.zip/May.xlsx/Лист1".
    """

    name: str
    rows: Iterator[Row]
    first_row_number: int = 1


@dataclass(frozen=True, slots=True)
class Skip:
    """A part of the file that was not read (an archive member): its name and why, as a key."""

    name: str
    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Source:
    """What a file turned out to be and its sheets, produced lazily."""

    format: str
    sheets: Iterator[Sheet]
    declared_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)

    @property
    def mismatch(self) -> bool:
        """The extension claimed another format than the bytes show."""
        return self.declared_format is not None and self.declared_format != self.format


@dataclass(slots=True)
class ReadContext:
    """What a reader knows besides the bytes: its limits, the name, how deep in archives it is."""

    limits: Limits
    filename: str
    depth: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    # Where a reader reports what it skipped (an unsafe archive entry); the Source's own list.
    notes: list[str] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)  # the same, for the importing layer

    def skip(self, member: str, key: str, **params: Any) -> None:
        """Report a member that is not read, as a localised note and as a `Skip`."""
        self.notes.append(t(key, name=self.filename, member=member, **params))
        self.skipped.append(Skip(member, key, {"name": self.filename, "member": member, **params}))


class FormatError(AppError):
    """The file cannot be read as what it is; the detail names where and why."""

    status: ClassVar[int] = 422
    slug: ClassVar[str] = "unreadable-file"
    title_key: ClassVar[str] = "transfer.unreadable"


class UnsupportedFormat(FormatError):
    status: ClassVar[int] = 415
    slug: ClassVar[str] = "unsupported-format"
    title_key: ClassVar[str] = "transfer.unsupported"


class TooLarge(FormatError):
    """A limit was hit: file size, rows, columns, cell length, nesting, archive expansion."""

    status: ClassVar[int] = 413
    slug: ClassVar[str] = "file-too-large"
    title_key: ClassVar[str] = "transfer.too_large"


Reader = Callable[[Path, ReadContext], Iterator[Sheet]]
_READERS: dict[str, Reader] = {}


def reader(*formats: str) -> Callable[[Reader], Reader]:
    """Register a reader for formats named as `detect` names them: `@reader("csv", "tsv")`."""

    def register(function: Reader) -> Reader:
        for name in formats:
            _READERS[name] = function
        return function

    return register


def reader_for(format_name: str) -> Reader | None:
    _load_readers()
    return _READERS.get(format_name)


def _load_readers() -> None:
    from orderdesk.transfer.formats import registry  # noqa: F401  (imports every reader module)


def open_source(
    path: Path, *, filename: str, limits: Limits | None = None, **options: Any
) -> Source:
    """Detect the file's format from its bytes and return its sheets, read lazily."""
    from orderdesk.transfer.formats.detect import detect

    context = ReadContext(limits or Limits(), filename, options=options)
    detected = detect(path, filename, context)
    context.notes = detected.notes
    context.skipped = detected.skipped
    read = reader_for(detected.format)
    if read is None:
        raise UnsupportedFormat("transfer.format_unsupported", format=detected.format)
    detected.sheets = read(path, context)
    return detected
