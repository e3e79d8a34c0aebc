"""XML: `<orders><order><number>…</number>…</order></orders>`; one element per column value."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from orderdesk.transfer.export.columns import Column, Formatter, compile_row
from orderdesk.transfer.export.writers.base import (
    WriterOptions,
    as_bool_text,
    as_decimal_text,
    as_iso,
    as_list_text,
)

# Characters XML 1.0 cannot carry at all; they are dropped.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    """Text content: markup escaped, `\\r` kept as a reference (parsers would drop it)."""
    if _INVALID.search(text):
        text = _INVALID.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


_TEXT = {
    "decimal": as_decimal_text,
    "datetime": as_iso,
    "date": as_iso,
    "bool": as_bool_text,
    "list": as_list_text,
}


def element(key: str, kind: str) -> Formatter:
    """`<key>value</key>`, or nothing for a missing value."""
    opening, closing = f"<{key}>", f"</{key}>"
    to_text = _TEXT.get(kind, str)

    def render(value: Any) -> str:
        if value is None:
            return ""
        return opening + escape(str(to_text(value))) + closing

    return render


class XmlWriter:
    blocking = False

    def __init__(self, columns: Sequence[Column], options: WriterOptions) -> None:
        self._row = compile_row(columns, [element(c.key, c.kind) for c in columns])
        self._root = options.root
        self._open, self._close = f"<{options.record}>", f"</{options.record}>\n"

    def start(self) -> bytes:
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<{self._root}>\n'.encode()

    def write(self, rows: Sequence[Any]) -> bytes:
        row, opening, closing = self._row, self._open, self._close
        return "".join([opening + "".join(row(r)) + closing for r in rows]).encode()

    def finish(self) -> bytes:
        return f"</{self._root}>\n".encode()
