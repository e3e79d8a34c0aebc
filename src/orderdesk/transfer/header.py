"""Which of the first rows is the header: past titles, blank rows and merged group headers.

A header spans (nearly) the table's width with distinct, non-numeric labels and is followed by
rows of similar width; a title ("Отчёт о продажах за май") fills one cell, a merged group header
("Товар", "", "", "Продажи", "") fills few. Rows are scored; the best wins, the earlier on a tie.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, time
from decimal import Decimal

from orderdesk.transfer.formats.base import Cell, Row

SCAN_ROWS = 30
_FOLLOWING = 3
_NUMERIC = re.compile(r"[\s\d.,:/+\-−()%₽$€]*\d[\s\d.,:/+\-−()%₽$€]*")


def _filled(row: Row) -> list[Cell]:
    return [
        cell
        for cell in row
        if cell is not None and not (isinstance(cell, str) and not cell.strip())
    ]


def _is_label(cell: Cell) -> bool:
    """Text that is not a number, an amount or a date written as text."""
    if isinstance(cell, bool | int | float | Decimal | date | time):
        return False
    return isinstance(cell, str) and not _NUMERIC.fullmatch(cell)


def detect_header(rows: Sequence[Row], scan: int = SCAN_ROWS) -> int:
    """The index of the header row among the first `scan` rows (0 when nothing stands out)."""
    head = list(rows[:scan])
    filled = [_filled(row) for row in head]
    widest = max((len(cells) for cells in filled), default=0)
    if widest < 2:
        return next((index for index, cells in enumerate(filled) if cells), 0)
    best_index, best_score = 0, -1.0
    for index, cells in enumerate(filled):
        if len(cells) < 2:
            continue
        score = _score(cells, widest, filled[index + 1 : index + 1 + _FOLLOWING])
        if score > best_score + 1e-9:
            best_index, best_score = index, score
    return best_index


def _score(cells: list[Cell], widest: int, following: list[list[Cell]]) -> float:
    labels = [str(cell).strip().lower() for cell in cells if _is_label(cell)]
    width = len(cells) / widest
    label_share = len(labels) / len(cells)
    distinct = len(set(labels)) / len(cells) if labels else 0.0
    data_like = [row for row in following if len(row) >= len(cells) / 2]
    follows = len(data_like) / _FOLLOWING
    # Data below a header usually holds numbers or dates where the header holds words.
    typed_below = any(not _is_label(cell) for row in data_like for cell in row)
    return 2 * width + 2 * label_share + distinct + follows + 0.5 * typed_below
