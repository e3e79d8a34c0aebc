"""JSON: an array of records, an object holding one list of records, or NDJSON — streamed.

Records become rows under a header row of the union of their keys, so the file is read twice:
once for the keys, once for the rows; both passes stream (ijson over the bytes, or one line at a
time for NDJSON) with nesting depth, columns, rows and cell sizes bounded by `Limits`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

import ijson
import orjson

from orderdesk.transfer.formats.base import (
    Cell,
    FormatError,
    Limits,
    ReadContext,
    Row,
    Sheet,
    TooLarge,
    reader,
)
from orderdesk.transfer.formats.text import (
    bounded_lines,
    decode_error,
    detect_encoding,
    open_text,
    sample,
)

Record = dict[str, Cell]
_SEARCH_DEPTH = 3  # how deep `{"data": {"orders": [...]}}` may hide its list of records
_UTF8 = ("utf-8", "utf-8-sig")
# Small buffers: ijson queues all events of a buffer before yielding the first.
_BUFFER = 16 * 1024


@reader("json")
def read_json(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """One sheet: the header row of all keys, then one row per record."""
    encoding = context.options.get("encoding") or detect_encoding(sample(path), context.filename)
    limits = context.limits
    if _is_ndjson(path, encoding, limits):

        def records() -> Iterator[Record]:
            return _ndjson_records(path, encoding, limits)
    else:
        check_depth(path, encoding, limits)
        prefix = context.options.get("record") or _records_prefix(path, encoding, limits)

        def records() -> Iterator[Record]:
            return _array_records(path, encoding, limits, prefix)

    yield Sheet(context.filename, rows_from_records(records, limits))


def rows_from_records(records: Callable[[], Iterator[Record]], limits: Limits) -> Iterator[Row]:
    """A header row of every key, then the records; `records` is called twice (keys, rows)."""
    keys: dict[str, None] = {}
    for number, record in enumerate(records(), 1):
        if number > limits.max_rows:
            raise TooLarge("transfer.too_many_rows", limit=limits.max_rows)
        keys.update(dict.fromkeys(record))
        if len(keys) > limits.max_columns:
            raise TooLarge("transfer.too_many_columns", row=number + 1, limit=limits.max_columns)
    header = list(keys)
    yield list[Cell](header)
    for record in records():
        yield [record.get(key) for key in header]


def _is_ndjson(path: Path, encoding: str, limits: Limits) -> bool:
    """NDJSON: the first two non-blank lines each look like a whole object.

    Only the shape is checked: parsing a long first line here would build a whole single-line
    document in memory; the reader parses (and names) each line anyway.
    """
    shapes = []
    try:
        for line in bounded_lines(path, encoding, limits.max_line_bytes):
            text = line.strip().lstrip("\ufeff")
            if text:
                shapes.append(text.startswith("{") and text.endswith("}"))
                if len(shapes) == 2:
                    return all(shapes)
    except TooLarge:
        return False  # a very long line: one document written on a single line
    return False


def _ndjson_records(path: Path, encoding: str, limits: Limits) -> Iterator[Record]:
    for number, line in enumerate(bounded_lines(path, encoding, limits.max_line_bytes), 1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            raise FormatError("transfer.ndjson_invalid", line=number, reason=str(exc)) from None
        if not isinstance(value, dict):
            reason = type(value).__name__
            raise FormatError("transfer.ndjson_invalid", line=number, reason=reason)
        _check_depth(value, limits.max_depth, f"line {number}")
        yield flatten(value, limits, number)


class _Utf8:
    """Text decoded from another encoding, handed to ijson (which parses UTF-8) as bytes."""

    def __init__(self, text: IO[str]) -> None:
        self._text = text

    def read(self, size: int = -1) -> bytes:
        return self._text.read(size).encode("utf-8")


@contextmanager
def _json_stream(path: Path, encoding: str) -> Iterator[IO[bytes]]:
    """The file as UTF-8 bytes for ijson (BOM skipped, other encodings re-encoded)."""
    if encoding in _UTF8:
        with path.open("rb") as file:
            if file.read(3) != b"\xef\xbb\xbf":
                file.seek(0)
            yield file
    else:
        with open_text(path, encoding) as text:
            yield _Utf8(text)  # type: ignore[misc]


@contextmanager
def _json_errors(path: Path, encoding: str) -> Iterator[None]:
    try:
        yield
    except ijson.common.JSONError as exc:
        reason = str(exc).splitlines()[0].removeprefix("b'")
        raise FormatError("transfer.json_invalid", record="?", reason=reason) from None
    except UnicodeDecodeError:
        raise decode_error(path, encoding) from None


def check_depth(path: Path, encoding: str, limits: Limits) -> None:
    """Refuse nesting deeper than the limit before any prefixed parsing.

    ijson's prefixes ("item.item.item…") cost O(depth) each and it queues a buffer's events at
    once, so a 100,000-deep document would cost O(depth²) memory if parsed with prefixes.
    This pass uses unprefixed events; a syntax error ends it quietly, for the next pass to
    report with its record number.
    """
    depth = containers = 0
    max_depth = limits.max_depth
    with _json_stream(path, encoding) as stream:
        try:
            for kind, _ in ijson.basic_parse(stream, buf_size=_BUFFER):
                if kind == "start_map" or kind == "start_array":
                    depth += 1
                    containers += depth == 2
                    if depth > max_depth:
                        where = f"record {max(containers, 1)}"
                        raise TooLarge("transfer.too_deep", limit=max_depth, where=where)
                elif kind == "end_map" or kind == "end_array":
                    depth -= 1
        except ijson.common.JSONError:
            return


def _records_prefix(path: Path, encoding: str, limits: Limits) -> str:
    """Where the records are: "item" for an array, "orders.item" for `{"orders": [...]}`.

    The first array of objects within a few levels wins; a lone object is one record ("").
    """
    with _json_stream(path, encoding) as stream, _json_errors(path, encoding):
        return _find_prefix(ijson.parse(stream, buf_size=_BUFFER))


def _find_prefix(events: Iterator[tuple[str, str, Any]]) -> str:
    first = next(events, None)
    if first is None or first[1] == "start_array":
        return "item"
    if first[1] != "start_map":
        raise FormatError("transfer.json_no_records")
    arrays: set[str] = set()
    for prefix, kind, _ in events:
        if kind == "start_array" and prefix.count(".") < _SEARCH_DEPTH:
            arrays.add(prefix)
        elif kind == "start_map" and prefix.endswith(".item") and prefix[:-5] in arrays:
            return prefix
    return ""


def _array_records(path: Path, encoding: str, limits: Limits, prefix: str) -> Iterator[Record]:
    number = 0
    try:
        with _json_stream(path, encoding) as stream, _json_errors(path, encoding):
            for value in ijson.items(stream, prefix, use_float=False, buf_size=_BUFFER):
                number += 1
                record = value if isinstance(value, dict) else {"value": value}
                yield flatten(record, limits, number)
    except FormatError as exc:
        if exc.detail_key == "transfer.json_invalid":
            exc.params["record"] = number + 1
        raise


def flatten(record: dict[str, Any], limits: Limits, number: int) -> Record:
    """Nested objects become `a.b` keys; lists of scalars are joined, other lists kept as JSON."""
    flat: Record = {}
    _flatten_into(flat, "", record)
    limit = limits.max_cell_chars
    for name, cell in flat.items():
        if isinstance(cell, str) and len(cell) > limit:
            raise TooLarge("transfer.cell_too_long", row=number + 1, column=name, limit=limit)
    return flat


def _flatten_into(flat: Record, prefix: str, mapping: dict[str, Any]) -> None:
    # Recursion is bounded: nesting was checked against Limits.max_depth before.
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            _flatten_into(flat, name + ".", value)
        elif isinstance(value, list):
            flat[name] = _list_text(value)
        else:
            flat[name] = value


def _list_text(values: list[Any]) -> str:
    if all(not isinstance(value, dict | list) for value in values):
        return ", ".join(_scalar_text(value) for value in values)
    return orjson.dumps(values, default=_decimal_text).decode()


def _scalar_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _decimal_text(value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(type(value).__name__)


def _check_depth(value: Any, max_depth: int, where: str) -> None:
    """Nesting depth of a parsed value, without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            raise TooLarge("transfer.too_deep", limit=max_depth, where=where)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
