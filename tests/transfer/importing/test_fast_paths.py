"""The import's fast paths give what the full parse gives, and never hide a bad cell."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from orderdesk.transfer import values
from orderdesk.transfer.importing.mapping import RowReader, resolve
from orderdesk.transfer.importing.targets.base import ParsedRow
from orderdesk.transfer.importing.targets.order_rows import HEADER_FIELDS, LINE_FIELDS

FIELDS = [*HEADER_FIELDS, *LINE_FIELDS]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("1 234,50", "1234.50"),
        ("-1 234,5", "-1234.5"),
        ("+12,5", "12.5"),
        ("1\u00a0234 567", "1234567"),
        ("0,001", "0.001"),
        ("1 23,4", "123.4"),  # not a thousands group: the full parse decides, as before
    ],
)
def test_decimal_comma_numbers_read_the_same_through_the_fast_path(text: str, number: str) -> None:
    assert values.parse_decimal(text) == Decimal(number)
    assert str(values.parse_decimal(text)) == number


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("31.12.2024", datetime(2024, 12, 31)),  # noqa: DTZ001
        ("1.2.2025 9:05", datetime(2025, 2, 1, 9, 5)),  # noqa: DTZ001
        ("01.02.2025 10:31:05", datetime(2025, 2, 1, 10, 31, 5)),  # noqa: DTZ001
    ],
)
def test_russian_dates_with_times_read_the_same_through_the_fast_path(
    text: str, moment: datetime
) -> None:
    assert values.parse_datetime(text) == moment
    assert values.parse_datetime(text, UTC) == moment.replace(tzinfo=UTC)


@pytest.mark.parametrize("text", ["31.02.2025", "01.13.2025", "01.02.2025 24:00", "1.2.25 9:61"])
def test_impossible_dates_are_still_refused(text: str) -> None:
    with pytest.raises(values.InvalidValue):
        values.parse_datetime(text)


def test_a_repeated_bad_cell_is_reported_on_every_row_that_has_it() -> None:
    headers = ["№ заказа", "Дата", "Кол-во"]
    mapping = {"number": "№ заказа", "created_at": "Дата", "quantity": "Кол-во"}
    reader = RowReader(FIELDS, resolve(mapping, headers, FIELDS), headers)

    rows = [reader.read(n, ["A-1", "01.02.2025 10:00", cell]) for n, cell in enumerate("3x3x", 2)]

    good = [row for row in rows if isinstance(row, ParsedRow)]
    bad = [row for row in rows if isinstance(row, list)]
    assert [row.values["quantity"] for row in good] == [Decimal(3), Decimal(3)]
    assert [row.values["created_at"] for row in good] == [datetime(2025, 2, 1, 10, tzinfo=UTC)] * 2
    assert [[(r.row, r.column) for r in row] for row in bad] == [[(3, "Кол-во")], [(5, "Кол-во")]]
