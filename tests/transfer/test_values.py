"""Cells to values: Russian and international number and date spellings, yes/no words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderdesk.core.i18n import t
from orderdesk.transfer.values import (
    InvalidValue,
    parse_bool,
    parse_date,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_percent,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 234,50", "1234.50"),
        ("1\u00a0234.50", "1234.50"),
        ("1\u202f234,5", "1234.5"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1,234,567", "1234567"),
        ("1.234.567,89", "1234567.89"),
        ("(12,5)", "-12.5"),
        ("−3,2", "-3.2"),
        ("12,50-", "-12.50"),
        ("+7", "7"),
        ("12,5 ₽", "12.5"),
        ("1 500 руб.", "1500"),
        ("$99.90", "99.90"),
        ("0,001", "0.001"),
        (",5", "0.5"),
        ("1.234", "1.234"),
        ("42", "42"),
    ],
)
def test_numbers_as_people_write_them_become_exact_decimals(text: str, expected: str) -> None:
    assert parse_decimal(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text", ["abc", "1.2.3,4,5", "1,23,4", "12,5%", "1 2 3a", "--5", "(-5)", "1e5", "∞", "."]
)
def test_what_is_not_a_number_fails_clearly(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_decimal(text)
    assert caught.value.key == "transfer.value.decimal"
    assert t(caught.value.key, "ru", **caught.value.params) == f"«{text}» — не число"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_empty_cells_are_none(value: object) -> None:
    assert parse_decimal(value) is None
    assert parse_int(value) is None
    assert parse_date(value) is None
    assert parse_datetime(value) is None
    assert parse_bool(value) is None


def test_typed_cells_pass_through_exactly() -> None:
    assert parse_decimal(Decimal("1.10")) == Decimal("1.10")
    assert parse_decimal(3) == Decimal(3)
    assert parse_decimal(0.1) == Decimal("0.1")  # the float's shortest repr, not its binary
    with pytest.raises(InvalidValue):
        parse_decimal(float("nan"))
    with pytest.raises(InvalidValue):
        parse_decimal(True)


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_russian_formatting_round_trips(value: Decimal) -> None:
    whole, _, fraction = f"{abs(value):.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", "\u00a0")
    text = ("-" if value < 0 else "") + f"{grouped},{fraction}"
    assert parse_decimal(text) == value


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=3, allow_nan=False))
def test_english_formatting_round_trips(value: Decimal) -> None:
    assert parse_decimal(f"{value:,.3f}") == value


def test_integers_accept_grouping_but_not_fractions() -> None:
    assert parse_int("1 234") == 1234
    assert parse_int("12,0") == 12
    with pytest.raises(InvalidValue) as caught:
        parse_int("12,5")
    assert caught.value.key == "transfer.value.integer"


def test_percentages_become_fractions() -> None:
    assert parse_percent("12,5%") == Decimal("0.125")
    assert parse_percent("0,2") == Decimal("0.2")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01.02.2024", date(2024, 2, 1)),
        ("1.2.2024", date(2024, 2, 1)),
        ("01.02.24", date(2024, 2, 1)),
        ("01.02.99", date(1999, 2, 1)),
        ("01/02/2024", date(2024, 2, 1)),
        ("1 февраля 2024", date(2024, 2, 1)),
        ("1 февраля 2024 г.", date(2024, 2, 1)),
        ("15 мая 2024 года", date(2024, 5, 15)),
        ("3 Сентября 2023", date(2023, 9, 3)),
        ("2024-02-01", date(2024, 2, 1)),
        ("2024.02.01", date(2024, 2, 1)),
        ("Feb 1, 2024", date(2024, 2, 1)),
        ("1 March 2024", date(2024, 3, 1)),
        ("01.02.2024 00:00:00", date(2024, 2, 1)),
    ],
)
def test_russian_and_iso_dates_are_read(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31.02.2024", "2024-13-01", "вчера", "01.02", "1 мартобря 2024"])
def test_impossible_dates_fail_clearly(text: str) -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_date(text)
    assert caught.value.key == "transfer.value.date"


def test_excel_serial_numbers_are_dates_when_a_date_is_wanted() -> None:
    assert parse_date(45323) == date(2024, 2, 1)
    assert parse_datetime(45323.5) == datetime(2024, 2, 1, 12, 0)  # noqa: DTZ001
    with pytest.raises(InvalidValue):
        parse_date(-5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01.02.2024 14:30", datetime(2024, 2, 1, 14, 30)),  # noqa: DTZ001
        ("01.02.2024 14:30:05", datetime(2024, 2, 1, 14, 30, 5)),  # noqa: DTZ001
        ("1 февраля 2024 г. 9:05", datetime(2024, 2, 1, 9, 5)),  # noqa: DTZ001
        ("2024-02-01 14:30:05", datetime(2024, 2, 1, 14, 30, 5)),  # noqa: DTZ001
        ("2024-02-01T14:30:05Z", datetime(2024, 2, 1, 14, 30, 5, tzinfo=UTC)),
        (
            "2024-02-01T14:30:05+05:00",
            datetime(2024, 2, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=5))),
        ),
        ("01.02.2024 14:30:05,250", datetime(2024, 2, 1, 14, 30, 5, 250_000)),  # noqa: DTZ001
    ],
)
def test_date_times_are_read_with_their_offsets(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_a_naive_time_takes_the_given_zone() -> None:
    tashkent = timezone(timedelta(hours=5))
    assert parse_datetime("01.02.2024 10:00", tz=tashkent) == datetime(
        2024, 2, 1, 10, tzinfo=tashkent
    )


def test_an_impossible_time_fails() -> None:
    with pytest.raises(InvalidValue) as caught:
        parse_datetime("01.02.2024 25:00")
    assert caught.value.key == "transfer.value.datetime"


@pytest.mark.parametrize("text", ["да", "Да", "ДА", "yes", "Y", "true", "1", "✓", "✔", "+", "вкл"])
def test_yes_words(text: str) -> None:
    assert parse_bool(text) is True


@pytest.mark.parametrize("text", ["нет", "Нет", "no", "N", "false", "0", "-", "✗", "выкл"])
def test_no_words(text: str) -> None:
    assert parse_bool(text) is False


def test_booleans_from_typed_cells_and_nonsense() -> None:
    assert parse_bool(1) is True
    assert parse_bool(0.0) is False
    with pytest.raises(InvalidValue) as caught:
        parse_bool("может быть")
    assert t(caught.value.key, "en", **caught.value.params) == "“может быть” is not yes or no"
