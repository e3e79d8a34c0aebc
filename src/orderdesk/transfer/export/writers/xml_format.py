"""XML: `<orders><order><number>…</number>…</order></orders>`; one element per column value."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from orderdesk.transfer.export.columns import Column, Formatter, Inline, compile_row
from orderdesk.transfer.export.writers.base import (
    WriterOptions,
    as_bool_text,
    as_decimal_text,
    as_iso,
    as_list_text,
)

# Characters XML 1.0 cannot carry at all; they are dropped.
_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def escape(text: str) -> str:
    """Text content: markup escaped, `\\r` kept as a reference (parsers would drop it)."""
    if not _SPECIAL.search(text):
        return text
    if _INVALID.search(text):
        text = _INVALID.sub("", text)
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


_TEXT: dict[str, Callable[[Any], str | None]] = {
    "decimal": as_decimal_text,
    "datetime": as_iso,
    "date": as_iso,
    "bool": as_bool_text,
    "list": as_list_text,
}


def _renderer(kind: str) -> Callable[[Any], str]:
    to_text = _TEXT.get(kind, str)

    def render(value: Any) -> str:
        return escape(value if value.__class__ is str else str(to_text(value)))

    return render


_RENDERERS = {kind: _renderer(kind) for kind in ("text", "int", *_TEXT)}


def element(key: str, kind: str, *, rendered: bool = False) -> Formatter:
    """`<key>value</key>`, or `<key/>` for a missing value (written into the row function).

    Every record names every column, so a column that is empty in every row is still one
    (an import then knows the value is empty rather than not given). A value PostgreSQL
    wrote (digits, `-.:T+`) needs no escape.
    """
    opening, closing, empty = repr(f"<{key}>"), repr(f"</{key}>"), repr(f"<{key}/>")
    if rendered:
        return Inline(f"({empty} if (v := {{x}}) is None else {opening} + v + {closing})")
    name = f"_x_{kind}"
    template = f"({empty} if (v := {{x}}) is None else {opening} + {name}(v) + {closing})"
    return Inline(template, ((name, _RENDERERS.get(kind, _RENDERERS["text"])),))


class XmlWriter:
    blocking = False

    def __init__(self, columns: Sequence[Column], options: WriterOptions) -> None:
        elements = [element(c.key, c.kind, rendered=c.rendered) for c in columns]
        self._row = compile_row(columns, elements)
        self._root = options.root
        self._open, self._close = f"<{options.record}>", f"</{options.record}>\n"

    def start(self) -> bytes:
        return f'<?xml version="1.0" encoding="UTF-8"?>\n<{self._root}>\n'.encode()

    def write(self, rows: Sequence[Any]) -> bytes:
        row, opening, closing = self._row, self._open, self._close
        return "".join([opening + "".join(row(r)) + closing for r in rows]).encode()

    def finish(self) -> bytes:
        return f"</{self._root}>\n".encode()
