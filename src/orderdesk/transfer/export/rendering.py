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
    # CSV: the row positions of the columns, in order, when PostgreSQL writes whole lines
    # (every column finished text or an integer); JSON/NDJSON: when it writes whole objects.
    # Pages are then one value each (`page_body`).
    line: tuple[int, ...] | None = None
    delimiter: str = ","
    # JSON/NDJSON: the objects' keys (with `line`).
    keys: tuple[str, ...] | None = None
    # With `line`, a page arrives as one value: its lines joined by `separator` and followed
    # by `terminator` (CSV: CRLF after each line; JSON: `,` between objects; NDJSON: LF
    # between, the writer adds the last).
    separator: str = "\r\n"
    terminator: str = "\r\n"


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


def _csv_field(value: Any, source: Any, render: Render, *, quote: bool) -> Any:
    """A CSV field as `csv.writer` (minimal quoting) writes it; NULL is an empty field.

    Without `quote` the field is written as it is: the caller has found that no field of the
    row holds a character that needs quotes.
    """
    if isinstance(value.type, Integer):
        return func.coalesce(cast(value, Text), const("''"))
    text = func.coalesce(value, const("''"), type_=Text)
    if not quote or not _may_need_quotes(source, render):
        return text
    doubled = func.replace(text, const("'\"'"), const("'\"\"'"), type_=Text)
    quoted = (
        const("'\"'").op("||", return_type=Text)(doubled).op("||", return_type=Text)(const("'\"'"))
    )
    return case((text.regexp_match(_specials(render)), quoted), else_=text)


def _may_need_quotes(source: Any, render: Render) -> bool:
    """Integers, timestamps and amounts (unless their decimal comma is the delimiter) hold no
    character that needs quotes: only texts are tested."""
    kind = getattr(source, "type", None)
    if isinstance(kind, Integer | UTCDateTime):
        return False
    return not isinstance(kind, Money) or render.decimal == render.delimiter


def _specials(render: Render) -> Any:
    return const(_sql_string(f"[{_code_points(render.delimiter + chr(34) + chr(13) + chr(10))}]"))


def _csv_line(values: Sequence[Any], sources: Sequence[Any], render: Render) -> Any:
    """The fields joined by the delimiter (the line's text, without its CRLF).

    `values` are the row's columns in a subquery (each computed once), `sources` the
    database columns at the same positions. Most rows need no quotes at all: one regular
    expression over the row's texts decides, instead of one per text field (≈ 0.25 µs of
    PostgreSQL CPU each); only a row that holds a delimiter, quote or line break tests and
    quotes field by field.
    """
    assert render.line is not None
    picked = [(values[p], sources[p]) for p in render.line]
    separator = const(f"chr({ord(render.delimiter)})")
    # One concat_ws call (no field is NULL here) instead of a copy of the line per `||`.
    plain = func.concat_ws(
        separator, *(_csv_field(v, s, render, quote=False) for v, s in picked), type_=Text
    )
    tested = [v for v, s in picked if _may_need_quotes(s, render)]
    if not tested:
        return plain
    quoted = func.concat_ws(
        separator, *(_csv_field(v, s, render, quote=True) for v, s in picked), type_=Text
    )
    # concat() reads NULL as an empty text.
    special = func.concat(*tested, type_=Text).regexp_match(_specials(render))
    return case((special, quoted), else_=plain)


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sql_text(text: str) -> Any:
    return const(_sql_string(text))


# The characters PostgreSQL's to_json (and orjson) escape in a string: `"`, `\` and the
# control characters (a text cannot hold NUL).
_JSON_ESCAPED = const(_sql_string("[\\u0001-\\u001f\\u0022\\u005c]"))


def _json_value(value: Any, source: Any, *, escape: bool) -> Any:
    """A JSON value as orjson writes it: integers bare, everything else a string, NULL null.

    Amounts and timestamps (already their text) never hold a character JSON escapes; texts
    are escaped by to_json only when `escape` (the row holds such a character).
    """
    if isinstance(value.type, Integer):
        text: Any = cast(value, Text)
    elif escape and not isinstance(getattr(source, "type", None), Money | UTCDateTime):
        text = cast(func.to_json(value), Text)
    else:
        text = (
            const("'\"'")
            .op("||", return_type=Text)(value)
            .op("||", return_type=Text)(const("'\"'"))
        )
    return func.coalesce(text, const("'null'"), type_=Text)


def _json_object(values: Sequence[Any], sources: Sequence[Any], render: Render) -> Any:
    """The row as a JSON object with orjson's bytes: compact, keys in column order, texts
    escaped as orjson does (PostgreSQL's to_json escapes the same characters the same way).

    As for CSV lines, one regular expression over the row's texts decides whether any of them
    needs escaping; most rows are then plain concatenation, with no to_json call per text.
    """
    line, keys = render.line, render.keys
    assert line is not None
    assert keys is not None

    def build(escape: bool) -> Any:
        parts: list[Any] = []
        for n, (position, key) in enumerate(zip(line, keys, strict=True)):
            parts.append(_sql_text(("{" if n == 0 else ",") + json.dumps(key) + ":"))
            parts.append(_json_value(values[position], sources[position], escape=escape))
        return func.concat(*parts, const("'}'"), type_=Text)

    texts = [
        values[p]
        for p in line
        if not isinstance(values[p].type, Integer)
        and not isinstance(getattr(sources[p], "type", None), Money | UTCDateTime)
    ]
    if not texts:
        return build(escape=False)
    special = func.concat(*texts, type_=Text).regexp_match(_JSON_ESCAPED)
    return case((special, build(escape=True)), else_=build(escape=False))


def line_of(values: Sequence[Any], sources: Sequence[Any], render: Render) -> Any:
    """A row's CSV line (without its line end) or JSON object, as text."""
    if render.keys is not None:
        return _json_object(values, sources, render)
    return _csv_line(values, sources, render)


def page_body(line: Any, render: Render) -> list[Any]:
    """A page of lines as one value: its bytes (lines joined and ended as the writer lays
    them out) and its row count.

    The lines come from a sorted subquery; a plain aggregate over it takes them in that order.
    One value a page instead of one row a line: Python receives ≈ 1 MB in one piece instead
    of building thousands of records (≈ 2 µs a row).
    """
    body: Any = func.string_agg(line, _sql_text(render.separator), type_=Text)
    if render.terminator:
        body = body.op("||", return_type=Text)(_sql_text(render.terminator))
    return [func.convert_to(body, const("'UTF8'"), type_=LargeBinary), func.count()]
