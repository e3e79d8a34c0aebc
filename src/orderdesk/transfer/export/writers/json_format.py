"""JSON (one array) and NDJSON (one object per line); keys are the column keys."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import Any

import orjson

from orderdesk.transfer.export.columns import Column, Formatter, compile_row
from orderdesk.transfer.export.writers.base import DECIMAL, WriterOptions


def formatter(column: Column) -> Formatter | None:
    """Decimals as strings (exact, as the REST API sends them); the rest as orjson does
    (a timestamp PostgreSQL wrote is the same text orjson would write)."""
    return DECIMAL if column.kind == "decimal" and not column.rendered else None


_NEWLINE = orjson.OPT_APPEND_NEWLINE
_OBJECT = itemgetter(0)


class JsonWriter:
    blocking = False

    def __init__(
        self, columns: Sequence[Column], options: WriterOptions, *, lines: bool = False
    ) -> None:
        keys = [c.key for c in columns]
        self._row = compile_row(columns, [formatter(c) for c in columns], keys=keys)
        self._lines = lines
        self._first = True
        self._prebuilt = options.prebuilt

    def start(self) -> bytes:
        return b"" if self._lines else b"["

    def write(self, rows: Sequence[Any]) -> bytes:
        if not rows:
            return b""
        if self._prebuilt:
            return self._join(list(map(_OBJECT, rows)))
        row = self._row
        if self._lines:
            dumps = orjson.dumps
            return b"".join([dumps(row(r), default=str, option=_NEWLINE) for r in rows])
        # One orjson call per batch; the batch's own brackets are cut off.
        body = orjson.dumps(list(map(row, rows)), default=str)[1:-1]
        lead = b"\n" if self._first else b",\n"
        self._first = False
        return lead + body

    def _join(self, objects: list[bytes]) -> bytes:
        """Objects PostgreSQL wrote, laid out as the orjson path lays out its own."""
        if self._lines:
            return b"\n".join(objects) + b"\n"
        lead = b"\n" if self._first else b",\n"
        self._first = False
        return lead + b",".join(objects)

    def finish(self) -> bytes:
        return b"" if self._lines else b"\n]\n"
