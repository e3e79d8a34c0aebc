"""JSON (one array) and NDJSON (one object per line); keys are the column keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from orderdesk.transfer.export.columns import Column, Formatter, compile_row
from orderdesk.transfer.export.writers.base import WriterOptions, as_decimal_text


def formatter(kind: str) -> Formatter | None:
    """Decimals as strings (exact, as the REST API sends them); the rest as orjson does."""
    return as_decimal_text if kind == "decimal" else None


class JsonWriter:
    blocking = False

    def __init__(
        self, columns: Sequence[Column], options: WriterOptions, *, lines: bool = False
    ) -> None:
        keys = [c.key for c in columns]
        self._row = compile_row(columns, [formatter(c.kind) for c in columns], keys=keys)
        self._lines = lines
        self._first = True

    def start(self) -> bytes:
        return b"" if self._lines else b"["

    def write(self, rows: Sequence[Any]) -> bytes:
        if not rows:
            return b""
        dumps, row = orjson.dumps, self._row
        encoded = [dumps(row(r), default=str) for r in rows]
        if self._lines:
            return b"\n".join(encoded) + b"\n"
        lead = b"\n" if self._first else b",\n"
        self._first = False
        return lead + b",\n".join(encoded)

    def finish(self) -> bytes:
        return b"" if self._lines else b"\n]\n"
