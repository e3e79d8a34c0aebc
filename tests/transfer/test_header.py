"""The header row is found below titles, blank rows and merged group headers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from orderdesk.transfer.formats.base import Row
from orderdesk.transfer.header import detect_header

DATA: list[Row] = [
    ["A-1", "Кофе латте", "2", "1 234,50", "01.02.2024"],
    ["A-2", "Чай зелёный", "1", "99,00", "02.02.2024"],
    ["A-3", "Сахар", "5", "75,20", "03.02.2024"],
]
HEADER: Row = ["Номер", "Товар", "Кол-во", "Сумма", "Дата"]


def test_a_plain_table_has_its_header_first() -> None:
    assert detect_header([HEADER, *DATA]) == 0


def test_title_and_blank_rows_above_the_header_are_skipped() -> None:
    rows: list[Row] = [["Отчёт о продажах за май"], [], ["", None, ""], HEADER, *DATA]
    assert detect_header(rows) == 3


def test_a_merged_group_header_row_is_skipped() -> None:
    rows: list[Row] = [
        ["Продажи за май 2024", None, None, None, None],
        ["Заказ", None, "Позиция", None, None],
        HEADER,
        *DATA,
    ]
    assert detect_header(rows) == 2


def test_a_title_with_a_period_beside_it_is_not_the_header() -> None:
    rows: list[Row] = [["Отчёт", "май 2024"], HEADER, *DATA]
    assert detect_header(rows) == 1


def test_typed_cells_from_spreadsheets_look_like_data() -> None:
    typed: list[Row] = [
        ["A-1", "Кофе", 2, Decimal("1234.50"), date(2024, 2, 1)],
        ["A-2", "Чай", 1, Decimal("99.00"), date(2024, 2, 2)],
    ]
    assert detect_header([["Выгрузка 1С"], blank_row(), HEADER, *typed]) == 2


def test_a_header_of_only_text_rows_is_the_first_full_row() -> None:
    rows: list[Row] = [["Город", "Район"], ["Ташкент", "Юнусабад"], ["Самарканд", "Центр"]]
    assert detect_header(rows) == 0


def test_a_single_column_file_takes_its_first_filled_row() -> None:
    assert detect_header([[], ["SKU"], ["R-1"], ["R-2"]]) == 1


def test_no_rows_give_zero() -> None:
    assert detect_header([]) == 0


def test_only_the_first_rows_are_looked_at() -> None:
    rows: list[Row] = [["title"]] * 40 + [HEADER, *DATA]
    assert detect_header(rows, scan=30) == 0


def blank_row() -> Row:  # noqa: N802
    return [None, None, None, None, None]
