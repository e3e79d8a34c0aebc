"""Readers that turn an untrusted file into sheets of raw cells, within limits."""

from orderdesk.transfer.formats.base import (
    Cell,
    FormatError,
    Limits,
    ReadContext,
    Sheet,
    Source,
    TooLarge,
    UnsupportedFormat,
    open_source,
    reader,
)

__all__ = [
    "Cell",
    "FormatError",
    "Limits",
    "ReadContext",
    "Sheet",
    "Source",
    "TooLarge",
    "UnsupportedFormat",
    "open_source",
    "reader",
]
