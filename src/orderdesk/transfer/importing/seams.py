"""The import pipeline's one door to the readers and value parsers.

Everything in `importing/` calls only these: `open_file` (format detection and readers),
the value parsers of `transfer/values.py` in the shape the converters want (a value or
ValueError), and `transfer/header.py`'s header detection. Tests may swap `open_file`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from orderdesk.transfer import header, values
from orderdesk.transfer.formats.base import Cell, Limits, Source, open_source

T = TypeVar("T")
DEFAULT_TIMEZONE = "UTC"  # settings have no business time zone (yet); naive values are UTC
# The zone naive datetimes of the running import are in: set around a preview or a commit, so
# the compiled converters need no parameter for it (they run in that task).
_NAIVE_ZONE: ContextVar[tzinfo] = ContextVar("import_naive_zone", default=UTC)


def parse_decimal(value: Cell) -> Decimal:
    """A number from a cell: "1 234,50", "1.234,50", "(12,5)", 12.5; ValueError if none."""
    return _present(values.parse_decimal(value), value)


def plain_decimal(text: str) -> Decimal | None:
    """A number in a common spelling ("12.5", "1 234,50"), else None (then `parse_decimal`)."""
    return values.plain_decimal(text)


def parse_date(value: Cell) -> date:
    """A date from a cell: "31.12.2024", "1 февраля 2024 г.", ISO, Excel day numbers."""
    return _present(values.parse_date(value), value)


def parse_datetime(value: Cell) -> datetime:
    """An aware datetime; naive values are taken in the import's time zone (UTC by default).

    An offset the file gives is kept (attribute values keep it as the API does; timestamp
    columns store the instant in UTC anyway).
    """
    return _present(values.parse_datetime(value, _NAIVE_ZONE.get()), value)


def time_zone(name: str | None) -> tzinfo:
    """The zone for naive datetimes: the named IANA zone, or the default."""
    return values.time_zone(name or DEFAULT_TIMEZONE)


@contextlib.contextmanager
def naive_datetimes_in(zone: tzinfo) -> Iterator[None]:
    """Within the block, datetimes without an offset are read as wall-clock times of `zone`."""
    token = _NAIVE_ZONE.set(zone)
    try:
        yield
    finally:
        _NAIVE_ZONE.reset(token)


def _present(parsed: T | None, value: Cell) -> T:
    if parsed is None:  # a blank cell where a value was expected
        raise ValueError(value)
    return parsed


def detect_header(rows: Sequence[Sequence[Cell]]) -> int:
    """Index (0-based) of the header row among the first rows of a sheet."""
    return header.detect_header([list(row) for row in rows])


def open_file(path: Path, filename: str, limits: Limits) -> Source:
    """Detect a stored upload's format and open its sheets (the readers' `open_source`)."""
    return open_source(path, filename=filename, limits=limits)
