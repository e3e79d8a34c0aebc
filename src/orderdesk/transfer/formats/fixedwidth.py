"""Fixed-width TXT: column boundaries inferred from blank character columns across a sample."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from pathlib import Path

from orderdesk.transfer.formats.base import Limits, ReadContext, Row, Sheet, TooLarge, reader
from orderdesk.transfer.formats.text import bounded_lines, detect_encoding, sample

Spans = list[tuple[int, int | None]]
_SAMPLE_LINES = 200
_MAX_TITLE_LINES = 5
_WORD = re.compile(r"\S+")
_COLUMN_GAP = re.compile(r"\S {2,}\S")


def infer_layout(lines: list[str]) -> tuple[int, Spans]:
    """(title lines to leave whole, column spans) for the sample; one column when none is found.

    Titles above a table would cover the gaps between its columns; they are told apart by
    having no run of two spaces inside (prose), where a table line has one between columns.
    """
    titles = 0
    for index, line in enumerate(lines[: _MAX_TITLE_LINES + 1]):
        if _COLUMN_GAP.search(line.strip()):
            titles = index
            break
    body = [line.rstrip("\r\n").expandtabs() for line in lines[titles:] if line.strip()]
    return titles, _spans(body)


def _spans(lines: list[str]) -> Spans:
    if not lines:
        return [(0, None)]
    filled = bytearray(max(len(line) for line in lines) + 1)
    for line in lines:
        for word in _WORD.finditer(line):
            filled[word.start() : word.end()] = b"\x01" * (word.end() - word.start())
    starts = [i for i in range(len(filled)) if filled[i] and (i == 0 or not filled[i - 1])]
    if len(starts) < 2:
        return [(0, None)]
    starts[0] = 0
    return [(start, end) for start, end in zip(starts, starts[1:], strict=False)] + [
        (starts[-1], None)
    ]


def sample_lines(path: Path, encoding: str, limits: Limits) -> list[str]:
    """The first lines of the file, for layout inference."""
    return list(islice(bounded_lines(path, encoding, limits.max_line_bytes), _SAMPLE_LINES))


@reader("txt")
def read_fixed_width(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """One sheet of a fixed-width (or single-column) text file."""
    encoding = context.options.get("encoding") or detect_encoding(sample(path), context.filename)
    titles, spans = infer_layout(sample_lines(path, encoding, context.limits))
    yield Sheet(context.filename, fixed_width_rows(path, encoding, titles, spans, context.limits))


def fixed_width_rows(
    path: Path, encoding: str, titles: int, spans: Spans, limits: Limits
) -> Iterator[Row]:
    """Each line cut at the column spans; title lines and blank lines as they are."""
    max_cell, max_rows = limits.max_cell_chars, limits.max_rows
    for number, raw in enumerate(bounded_lines(path, encoding, limits.max_line_bytes), 1):
        if number > max_rows:
            raise TooLarge("transfer.too_many_rows", limit=max_rows)
        line = raw.rstrip("\r\n")
        if "\t" in line:
            line = line.expandtabs()
        if not line.strip():
            yield []
            continue
        if number <= titles:
            yield [line.strip()]
            continue
        row: Row = [line[start:end].strip() for start, end in spans]
        if len(line) > max_cell:
            _check_cells(row, number, max_cell)
        yield row


def _check_cells(row: Row, number: int, limit: int) -> None:
    for column, cell in enumerate(row, 1):
        if isinstance(cell, str) and len(cell) > limit:
            raise TooLarge("transfer.cell_too_long", row=number, column=column, limit=limit)
