"""CSV, TSV and delimited TXT: delimiter sniffing and the stdlib `csv` reader over streamed text.

The per-row path is the benchmarked one (1M rows): it only counts rows and columns; cell
lengths are capped by `csv.field_size_limit`, whose error is turned into a TooLarge naming the
row and column. Quotes are read leniently, as spreadsheet programs do; ragged rows are kept.
"""

from __future__ import annotations

import contextlib
import csv
from collections import Counter
from collections.abc import Iterator
from itertools import islice
from pathlib import Path
from typing import cast

from orderdesk.transfer.formats.base import (
    FormatError,
    Limits,
    ReadContext,
    Row,
    Sheet,
    TooLarge,
    reader,
)
from orderdesk.transfer.formats.text import bounded_lines, detect_encoding, head_text, sample

# Tried in this order; on a tie the earlier wins (";" is what Russian Excel writes).
DELIMITERS = (";", "\t", ",", "|")
_SNIFF_RECORDS = 200
_MIN_CONSISTENCY = 0.6
_MIN_SPLIT = 0.8


def sniff_delimiter(text: str) -> str | None:
    """The delimiter that splits the sample into the most consistent rows of ≥ 2 columns.

    When no delimiter gives consistent rows (a ragged file), the one that splits the most
    records into two or more columns is taken, if it splits nearly all of them.
    """
    lines = text.splitlines(keepends=True)
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines.pop()  # cut by the sample's end
    best: tuple[float, int, int] | None = None
    ragged: tuple[float, int] | None = None
    chosen = fallback = None
    for priority, delimiter in enumerate(DELIMITERS):
        counts = _column_counts(lines, delimiter)
        if not counts:
            continue
        modal, frequency = Counter(counts).most_common(1)[0]
        # Coarse, so a title row or a line cut by the sample's end does not outweigh width.
        consistency = round(frequency / len(counts), 1)
        split = sum(count > 1 for count in counts) / len(counts)
        if split >= _MIN_SPLIT and (ragged is None or (split, -priority) > ragged):
            ragged, fallback = (split, -priority), delimiter
        if modal < 2 or consistency < _MIN_CONSISTENCY:
            continue
        score = (consistency, modal, -priority)
        if best is None or score > best:
            best, chosen = score, delimiter
    return chosen or fallback


def _column_counts(lines: list[str], delimiter: str) -> list[int]:
    """Columns per non-empty record; stops at a record csv cannot take (e.g. a huge field)."""
    counts: list[int] = []
    records = csv.reader(lines, delimiter=delimiter)
    with contextlib.suppress(csv.Error):  # extend keeps what it appended before the error
        counts.extend(len(row) for row in islice(records, _SNIFF_RECORDS) if any(row))
    return counts


def text_settings(path: Path, context: ReadContext) -> tuple[str, str | None]:
    """Encoding and delimiter: from the options `detect` filled in, else decided again."""
    options = context.options
    encoding = options.get("encoding") or detect_encoding(sample(path), context.filename)
    if "delimiter" in options:
        return encoding, options["delimiter"]
    return encoding, sniff_delimiter(head_text(path, encoding))


@reader("csv", "tsv")
def read_delimited(path: Path, context: ReadContext) -> Iterator[Sheet]:
    """One sheet of the file's records, read lazily."""
    encoding, delimiter = text_settings(path, context)
    if delimiter is None:
        delimiter = "\t" if context.options.get("format") == "tsv" else ","
    yield Sheet(context.filename, delimited_rows(path, encoding, delimiter, context.limits))


def delimited_rows(path: Path, encoding: str, delimiter: str, limits: Limits) -> Iterator[Row]:
    """The records of a delimited file, each a list of strings, bounded by `limits`."""
    # A process-wide setting: every reader sets it from its own limits before parsing.
    csv.field_size_limit(limits.max_cell_chars)
    lines = bounded_lines(path, encoding, limits.max_line_bytes)
    records = csv.reader(lines, delimiter=delimiter)
    max_rows, max_columns = limits.max_rows, limits.max_columns
    number = 0
    try:
        for row in records:
            number += 1
            if len(row) > max_columns:
                raise TooLarge("transfer.too_many_columns", row=number, limit=max_columns)
            if number > max_rows:
                raise TooLarge("transfer.too_many_rows", limit=max_rows)
            yield cast(Row, row)
    except csv.Error as exc:
        if "field limit" not in str(exc):
            raise FormatError("transfer.csv_malformed", row=number + 1, reason=str(exc)) from None
        column = long_field_column(path, encoding, delimiter, limits)
        raise TooLarge(
            "transfer.cell_too_long", row=number + 1, column=column, limit=limits.max_cell_chars
        ) from None


def long_field_column(path: Path, encoding: str, delimiter: str, limits: Limits) -> int:
    """The 1-based column of the first over-long field; csv does not say which one it was.

    Runs only on that error: finds where the failing record starts (a second csv pass), then
    scans that record quote-aware, character by character, until a field passes the limit.
    """
    start = _record_start(path, encoding, delimiter, limits)
    lines = bounded_lines(path, encoding, limits.max_line_bytes)
    for _ in islice(lines, start):
        pass
    column, length, quoted, started = 1, 0, False, False
    for line in lines:
        for char in line:
            if char == '"' and (quoted or not started):
                quoted, started = not quoted, True
                continue
            if char == delimiter and not quoted:
                column, length, started = column + 1, 0, False
                continue
            started = True
            length += 1
            if length > limits.max_cell_chars:
                return column
        if not quoted:
            break
    return column


def _record_start(path: Path, encoding: str, delimiter: str, limits: Limits) -> int:
    """How many physical lines precede the record csv fails on."""
    csv.field_size_limit(limits.max_cell_chars)
    records = csv.reader(bounded_lines(path, encoding, limits.max_line_bytes), delimiter=delimiter)
    start = 0
    try:
        for _ in records:
            start = records.line_num
    except csv.Error:
        pass
    return start
