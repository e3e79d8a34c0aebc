"""What every writer does: bytes for the start, for each batch of rows, and for the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from orderdesk.core.http import decimal_text

HeaderMode = Literal["keys", "labels"]


@dataclass(frozen=True, slots=True)
class WriterOptions:
    lang: str = "en"
    header: HeaderMode = "keys"
    delimiter: str = ","
    bom: bool = False
    decimal_comma: bool = False
    title: str = ""  # PDF title, XLSX sheet name
    subtitle: str = ""  # PDF line under the title
    root: str = "rows"  # XML root element
    record: str = "row"  # XML element per row


class Writer(Protocol):
    """Streaming writers return their bytes; file writers (XLSX, PDF) write to their path."""

    blocking: bool

    def start(self) -> bytes: ...

    def write(self, rows: Sequence[Any]) -> bytes: ...

    def finish(self) -> bytes: ...


def as_decimal_text(value: Any) -> str | None:
    """Decimals as `1234.50` (database values) or as stored (attribute values are text)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def as_decimal_comma(value: Any) -> str | None:
    text = as_decimal_text(value)
    return None if text is None else text.replace(".", ",")


def as_iso(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def as_bool_text(value: Any) -> str | None:
    if value is None:
        return None
    return "true" if value is True else "false" if value is False else str(value)


def as_list_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ", ".join(str(part) for part in value)
    return str(value)


def to_decimal(value: Any) -> Decimal | None:
    """A number for typed cells; None when the stored value is not one."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
