"""PostgreSQL writing the text of text-format exports: the exact text the Python writers make.

Amounts, UTC timestamps, CSV formula escapes, whole CSV lines and whole JSON objects as SQL
expressions (ADR 0013); `tests/transfer/export/test_database_rendering.py` holds them to the
Python writers' bytes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    LargeBinary,
    String,
    Text,
    case,
    cast,
    func,
    literal_column,
)

from orderdesk.db.types import Money, UTCDateTime
from orderdesk.transfer.export.sanitize import FORMULA_STARTS, SKIPPED, TRIGGERS


@dataclass(frozen=True, slots=True)
class Render:
    """What PostgreSQL writes as the writers' finished text (text formats on PostgreSQL).

    Amounts as `1234.50` (two places at least, more only when they carry digits; `decimal`
    the separator), UTC timestamps as `datetime.isoformat()` writes them, and with `escape`
    (CSV) text cells that would start a formula escaped exactly as `sanitize.escape_cell`.
    """

    decimal: str = "."
    escape: bool = False
    # CSV only: the row positions of the columns, in order, when PostgreSQL writes the
    # whole line (every column finished text or an integer): a row is then the line's UTF-8
    # bytes, the sort value and the id.
    line: tuple[int, ...] | None = None
    delimiter: str = ","
    # JSON/NDJSON: with `line`, each row is its object as orjson writes it, with these keys.
    keys: tuple[str, ...] | None = None


def renders(value: Any, render: Render) -> bool:
    kind = getattr(value, "type", None)
    return isinstance(kind, Money | UTCDateTime) or (render.escape and isinstance(kind, String))


def const(sql: str, kind: Any = Text) -> Any:
    # Written into the SQL, not bound: the same text for every page, and to_char's format
    # is then a constant PostgreSQL parses once.
    return literal_column(sql, kind)


def _code_points(chars: Iterable[str]) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in sorted(chars))


# sanitize.needs_escape as a regular expression: quotes, then skipped spaces, then a trigger.
FORMULA_PATTERN = f"^\\u0027*[{_code_points(SKIPPED)}]*[{_code_points(FORMULA_STARTS)}]"
# Most texts start with none of these: one integer test, no regular expression.
_TRIGGER_CODES = "(" + ", ".join(str(ord(c)) for c in sorted(TRIGGERS)) + ")"
_QUOTE = "''''"  # the SQL literal of one apostrophe


def as_text(value: Any, render: Render | None) -> Any:
    """The value as `render` has PostgreSQL write it; None keeps typed values (XLSX, PDF,
    SQLite)."""
    if render is None or not renders(value, render):
        return value
    kind = value.type
    if isinstance(kind, String):
        plain = func.ascii(value).op("NOT IN")(const(_TRIGGER_CODES))
        escaped = const(_QUOTE).op("||", return_type=Text)(value)
        return case((plain, value), (value.regexp_match(FORMULA_PATTERN), escaped), else_=value)
    if isinstance(kind, Money):
        places = func.greatest(const("2", Integer), func.scale(func.trim_scale(value)))
        text: ColumnElement[Any] = cast(func.round(value, places), Text)
        if render.decimal == ",":
            return func.replace(text, const("'.'"), const("','"), type_=Text)
        return text
    utc = func.timezone(const("'UTC'"), value)
    micro = case(
        (func.to_char(value, const("'US'")) == const("'000000'"), const("''")),
        else_=func.to_char(utc, const("'.US'"), type_=Text),
    )
    whole = func.to_char(utc, const("""'YYYY-MM-DD"T"HH24:MI:SS'"""), type_=Text)
    return whole.op("||", return_type=Text)(micro).op("||", return_type=Text)(const("'+00:00'"))


def _csv_field(value: Any, source: Any, render: Render) -> Any:
    """A CSV field as `csv.writer` (minimal quoting) writes it; NULL is an empty field.

    `source` is the value's database column: integers, timestamps and amounts (unless their
    decimal comma is the delimiter) hold no character that needs quotes, and skip the test.
    """
    kind = getattr(source, "type", None)
    if isinstance(value.type, Integer):
        return func.coalesce(cast(value, Text), const("''"))
    text = func.coalesce(value, const("''"), type_=Text)
    if isinstance(kind, UTCDateTime) or (
        isinstance(kind, Money) and render.decimal != render.delimiter
    ):
        return text
    specials = f"[{_code_points(render.delimiter + chr(34) + chr(13) + chr(10))}]"
    doubled = func.replace(text, const("'\"'"), const("'\"\"'"), type_=Text)
    quoted = (
        const("'\"'").op("||", return_type=Text)(doubled).op("||", return_type=Text)(const("'\"'"))
    )
    return case((text.regexp_match(specials), quoted), else_=text)


def _csv_line(values: Sequence[Any], sources: Sequence[Any], render: Render) -> Any:
    """The fields joined by the delimiter, CRLF-terminated, as UTF-8 bytes (no decoding).

    `values` are the row's columns in a subquery (each computed once), `sources` the
    database columns at the same positions.
    """
    assert render.line is not None
    fields = [_csv_field(values[p], sources[p], render) for p in render.line]
    # One concat_ws call (no field is NULL here) instead of a copy of the line per `||`.
    separator = const(f"chr({ord(render.delimiter)})")
    line = func.concat(
        func.concat_ws(separator, *fields, type_=Text), const("chr(13) || chr(10)"), type_=Text
    )
    return func.convert_to(line, const("'UTF8'"), type_=LargeBinary)


def _sql_text(text: str) -> Any:
    return const("'" + text.replace("'", "''") + "'")


def _json_object(values: Sequence[Any], render: Render) -> Any:
    """The row as a JSON object with orjson's bytes: compact, keys in column order, texts
    escaped as orjson does (PostgreSQL's to_json escapes the same characters the same way)."""
    assert render.line is not None
    assert render.keys is not None
    parts: list[Any] = []
    for n, (position, key) in enumerate(zip(render.line, render.keys, strict=True)):
        value = values[position]
        text = cast(value, Text) if isinstance(value.type, Integer) else func.to_json(value)
        parts.append(_sql_text(("{" if n == 0 else ",") + json.dumps(key) + ":"))
        parts.append(func.coalesce(cast(text, Text), const("'null'"), type_=Text))
    line = func.concat(*parts, const("'}'"), type_=Text)
    return func.convert_to(line, const("'UTF8'"), type_=LargeBinary)


def line_of(values: Sequence[Any], sources: Sequence[Any], render: Render) -> Any:
    if render.keys is not None:
        return _json_object(values, render)
    return _csv_line(values, sources, render)
