"""JSON conventions: decimals as strings, ETags and If-Match."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from orderdesk.core.errors import PreconditionFailed
from orderdesk.core.http import (
    _exact_text,
    check_version,
    decimal_text,
    dumps,
    etag,
    if_match_version,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Decimal("0"), "0.00"),
        (Decimal("1"), "1.00"),
        (Decimal("1.5"), "1.50"),
        (Decimal("1.50"), "1.50"),
        (Decimal("1.2300"), "1.23"),
        (Decimal("1.234"), "1.234"),
        (Decimal("1.2340"), "1.234"),
        (Decimal("100"), "100.00"),
        (Decimal("1E+2"), "100.00"),
        (Decimal("-0.5"), "-0.50"),
        (Decimal("0.0001"), "0.0001"),
        (Decimal("0.0000001"), "0.0000001"),
        (Decimal("12345678901234.5678"), "12345678901234.5678"),
        (Decimal("99999999999999.99"), "99999999999999.99"),
    ],
)
def test_decimal_text_has_two_places_and_more_only_when_needed(value: Decimal, text: str) -> None:
    assert decimal_text(value) == text


# Stored amounts have at most 18 digits; beyond the context's 28 the exact path itself rounds.
AMOUNTS = st.decimals(
    min_value=-(10**15), max_value=10**15, allow_nan=False, allow_infinity=False
).filter(lambda value: len(value.as_tuple().digits) <= 28)


@given(AMOUNTS)
def test_decimal_text_takes_the_short_way_to_the_same_text(value: Decimal) -> None:
    assert decimal_text(value) == _exact_text(value)


def test_dumps_writes_decimals_as_strings() -> None:
    body = orjson.loads(dumps({"price": Decimal("150"), "qty": 2, 3: "int key"}))
    assert body == {"price": "150.00", "qty": 2, "3": "int key"}


def request_with(if_match: str | None) -> Request:
    headers = [] if if_match is None else [(b"if-match", if_match.encode())]
    return Request({"type": "http", "method": "PATCH", "path": "/", "headers": headers})


@pytest.mark.parametrize(
    ("header", "version"),
    [(None, None), ("*", None), ('W/"3"', 3), ('"3"', 3), ("3", 3), (' W/"12" ', 12)],
)
def test_if_match_accepts_the_etag_forms(header: str | None, version: int | None) -> None:
    assert if_match_version(request_with(header)) == version


@pytest.mark.parametrize("header", ["banana", 'W/"x"', '"1", "2"'])
def test_if_match_that_is_not_our_etag_is_412(header: str) -> None:
    with pytest.raises(PreconditionFailed):
        if_match_version(request_with(header))


def test_etag_round_trips_through_if_match() -> None:
    assert if_match_version(request_with(etag(7))) == 7


def test_check_version_refuses_only_a_different_version() -> None:
    check_version(4, None)
    check_version(4, 4)
    with pytest.raises(PreconditionFailed) as raised:
        check_version(4, 3)
    assert raised.value.params == {"expected": 3, "current": 4}
