"""What every writer does: bytes for the start, for each batch of rows, and for the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Protocol

from orderdesk.core.http import decimal_text
from orderdesk.transfer.export.columns import Inline

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
    # CSV, JSON: each row arrives as its finished line or object (UTF-8 bytes) first
    # (PostgreSQL wrote it).
    prebuilt: bool = False


class Writer(Protocol):
    """Streaming writers return their bytes; file writers (XLSX, PDF) write to their path."""

    blocking: bool

    def start(self) -> bytes: ...

    def write(self, rows: Sequence[Any]) -> bytes: ...

    def finish(self) -> bytes: ...


def as_decimal_text(value: Any) -> str | None:
    """Decimals as `1234.50` (database values) or as stored (attribute values are text).

    The same text as `core.http.decimal_text` (at least two places, more only when they carry
    digits), from the decimal's string: several times faster, and exports call it per cell.
    """
    if value is None:
        return None
    if value.__class__ is not Decimal:
        return str(value)
    text = str(value)
    if "E" in text:
        return decimal_text(value)
    whole, _, places = text.partition(".")
    places = places.rstrip("0")
    return f"{whole}.{places:0<2}"


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


# Inline variants (see columns.Inline): missing values and datetimes cost no function call.
ISO = Inline(
    "(None if (v := {x}) is None else v.isoformat() if v.__class__ is _datetime else _iso(v))",
    (("_datetime", datetime), ("_iso", as_iso)),
)
DECIMAL = Inline("(None if (v := {x}) is None else _dec(v))", (("_dec", as_decimal_text),))
DECIMAL_COMMA = Inline(
    "(None if (v := {x}) is None else _dec_comma(v))", (("_dec_comma", as_decimal_comma),)
)
