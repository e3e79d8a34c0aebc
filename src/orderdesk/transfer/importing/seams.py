"""The import pipeline's one door to the readers and value parsers.

Everything in `importing/` calls only these: `open_file` (format detection and readers),
the value parsers of `transfer/values.py` in the shape the converters want (a value or
ValueError), and `transfer/header.py`'s header detection. Tests may swap `open_file`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

from orderdesk.transfer import header, values
from orderdesk.transfer.formats.base import Cell, Limits, Source, open_source

T = TypeVar("T")


def parse_decimal(value: Cell) -> Decimal:
    """A number from a cell: "1 234,50", "1.234,50", "(12,5)", 12.5; ValueError if none."""
    return _present(values.parse_decimal(value), value)


def parse_date(value: Cell) -> date:
    """A date from a cell: "31.12.2024", "1 февраля 2024 г.", ISO, Excel day numbers."""
    return _present(values.parse_date(value), value)


def parse_datetime(value: Cell) -> datetime:
    """A timezone-aware datetime; naive values are taken as UTC."""
    return _present(values.parse_datetime(value, UTC), value)


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
