"""Stand-ins for the value parsers and header detection the reader team owns.

SWAP AT MERGE: `transfer/values.py` (decimal comma, spaces in numbers, Russian/ISO dates) and
`transfer/header.py` (`detect_header(rows) -> int`) are written in parallel. Everything in the
import pipeline calls only the functions below; the lead points them at the real ones.
`detect_header` is picked up automatically when `transfer/header.py` exists; `open_file` is
the one door to the readers (tests replace it with a tiny CSV reader until they land).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from orderdesk.transfer.formats.base import Cell, Limits, Source, open_source

_SPACES = re.compile(r"[\s\u00a0\u202f\u2009']+")
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d.%m.%y", "%d/%m/%Y")
_DATETIME_FORMATS = (
    "%d.%m.%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%d.%m.%y %H:%M",
    "%d/%m/%Y %H:%M:%S",
)
HEADER_SCAN_ROWS = 30


def parse_decimal(value: Cell) -> Decimal:
    """A number from a cell: "1 234,50", "1.234,50", "1,234.50", 12.5; ValueError if none."""
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, Decimal | int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if not isinstance(value, str):
        raise ValueError(value)
    text = _SPACES.sub("", value)
    if "," in text and "." in text:
        # The separator that comes last is the decimal one.
        thousands = "." if text.rfind(",") > text.rfind(".") else ","
        text = text.replace(thousands, "")
    text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(value) from exc
    if not number.is_finite():
        raise ValueError(value)
    return number


def parse_date(value: Cell) -> date:
    """A date from a cell: a date/datetime, "31.12.2024", "2024-12-31"; ValueError if none."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 (a date, no zone)
        except ValueError:
            continue
    return _iso(text).date()


def parse_datetime(value: Cell) -> datetime:
    """A timezone-aware datetime; naive values are taken as UTC."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    if not isinstance(value, str):
        raise ValueError(value)
    text = value.strip()
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    try:
        return datetime.combine(parse_date(text), time(0), tzinfo=UTC)
    except ValueError:
        parsed = _iso(text)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _detect_header_fallback(rows: Sequence[Sequence[Cell]]) -> int:
    """The first row that looks like a header: mostly non-numeric text, as wide as the data."""
    width = max((sum(1 for c in row if c not in (None, "")) for row in rows), default=0)
    for index, row in enumerate(rows):
        texts = sum(1 for c in row if isinstance(c, str) and c.strip() and not _numeric(c))
        if texts >= max(1, (width + 1) // 2):
            return index
    return 0


def _numeric(text: str) -> bool:
    try:
        parse_decimal(text)
    except ValueError:
        return False
    return True


def detect_header(rows: Sequence[Sequence[Cell]]) -> int:
    """Index (0-based) of the header row among the first rows of a sheet."""
    try:
        from orderdesk.transfer.header import detect_header as real  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        return _detect_header_fallback(rows)
    found: Any = real(list(rows))
    return int(found)


def open_file(path: Path, filename: str, limits: Limits) -> Source:
    """Detect a stored upload's format and open its sheets (the readers' `open_source`)."""
    return open_source(path, filename=filename, limits=limits)
