"""Attribute values checked against a stored schema, without HTTP (core.attributes)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderdesk.core.attributes import AttributeField, check_schema, validate_attributes
from orderdesk.core.errors import ValidationFailed
from tests.factories import label


def schema(*fields: dict[str, Any]) -> list[dict[str, Any]]:
    return check_schema([AttributeField.model_validate(f) for f in fields])


def errors_of(
    stored: list[dict[str, Any]], values: dict[str, Any], **kwargs: Any
) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        validate_attributes(stored, values, **kwargs)
    return {e["field"]: e["code"] for e in caught.value.errors}


def test_check_schema_stores_bounds_as_strings_and_drops_unset_options() -> None:
    stored = schema({"name": "stems", "label": label("s"), "type": "integer", "min": 1, "max": 101})
    assert stored == [
        {
            "name": "stems",
            "label": label("s"),
            "type": "integer",
            "required": False,
            "min": "1",
            "max": "101",
        }
    ]


def test_validate_attributes_reports_every_bad_value_with_its_prefix() -> None:
    stored = schema(
        {"name": "color", "label": label("c"), "required": True},
        {"name": "stems", "label": label("s"), "type": "integer", "max": 5},
    )
    assert errors_of(stored, {"stems": 6, "size": "L"}, prefix="lines.0.attributes") == {
        "lines.0.attributes.size": "extra_forbidden",
        "lines.0.attributes.color": "missing",
        "lines.0.attributes.stems": "less_than_equal",
    }


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_values_count_as_missing(empty: Any) -> None:
    stored = schema({"name": "color", "label": label("c"), "required": True})
    assert errors_of(stored, {"color": empty}) == {"attributes.color": "missing"}


def test_partial_validation_skips_required_fields_not_given() -> None:
    stored = schema(
        {"name": "color", "label": label("c"), "required": True},
        {"name": "note", "label": label("n")},
    )
    assert validate_attributes(stored, {"note": "x"}, partial=True) == {"note": "x"}
    assert errors_of(stored, {"color": ""}, partial=True) == {"attributes.color": "missing"}


@pytest.mark.parametrize(
    ("spec", "value", "expected"),
    [
        ({"type": "integer"}, "42", 42),
        ({"type": "integer"}, 42.0, 42),
        ({"type": "decimal"}, 0.1, "0.1"),
        ({"type": "decimal"}, "1.50", "1.50"),
        ({"type": "boolean"}, False, False),
        ({"type": "date"}, "2026-02-28", "2026-02-28"),
        ({"type": "datetime"}, "2026-02-28T10:00:00Z", "2026-02-28T10:00:00+00:00"),
        ({"type": "string", "min": 2, "max": 3}, " ab ", "ab"),
        ({"type": "enum", "enum": ["a", "b"]}, "b", "b"),
    ],
)
def test_valid_values_are_normalised(spec: dict[str, Any], value: Any, expected: Any) -> None:
    stored = schema({"name": "field", "label": label("f"), **spec})
    result = validate_attributes(stored, {"field": value})
    assert result == {"field": expected}
    assert type(result["field"]) is type(expected)


@pytest.mark.parametrize(
    ("spec", "value", "code"),
    [
        ({"type": "integer"}, "NaN", "attr_type"),
        ({"type": "integer"}, "Infinity", "attr_type"),
        ({"type": "integer"}, 10**15, "attr_type"),
        ({"type": "integer"}, [1], "attr_type"),
        ({"type": "integer"}, 2.5, "attr_type"),
        ({"type": "integer"}, "7.01", "attr_type"),
        ({"type": "decimal"}, {"v": 1}, "attr_type"),
        ({"type": "boolean"}, 1, "attr_type"),
        ({"type": "date"}, "2026-02-30", "date_parsing"),
        ({"type": "datetime"}, "tomorrow", "datetime_parsing"),
        ({"type": "string", "min": 2}, " a ", "string_too_short"),
        ({"type": "string", "max": 3}, "abcd", "string_too_long"),
        ({"type": "text"}, "x" * 10_001, "string_too_long"),
        ({"type": "enum", "enum": ["a", "b"]}, "A", "enum"),
        ({"type": "enum", "enum": ["1"]}, 1, "enum"),
    ],
)
def test_invalid_values_are_named_with_a_code(spec: dict[str, Any], value: Any, code: str) -> None:
    stored = schema({"name": "field", "label": label("f"), **spec})
    assert errors_of(stored, {"field": value}) == {"attributes.field": code}


values = st.one_of(
    st.integers(min_value=-(10**16), max_value=10**16),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.integers(min_value=-200, max_value=300).map(str),
    st.booleans(),
    st.none(),
)


@given(
    low=st.integers(min_value=-1000, max_value=1000),
    span=st.integers(min_value=0, max_value=1000),
    value=values,
)
def test_accepted_integers_always_lie_within_bounds(low: int, span: int, value: Any) -> None:
    stored = schema(
        {"name": "n", "label": label("n"), "type": "integer", "min": low, "max": low + span}
    )
    try:
        result = validate_attributes(stored, {"n": value})
    except ValidationFailed:
        return
    if "n" in result:
        assert type(result["n"]) is int
        assert low <= result["n"] <= low + span


@given(
    low=st.decimals(min_value=-1000, max_value=1000, places=2),
    value=st.decimals(min_value=-2000, max_value=2000, places=3),
)
def test_decimal_bounds_accept_exactly_the_values_inside(low: Decimal, value: Decimal) -> None:
    stored = schema({"name": "d", "label": label("d"), "type": "decimal", "min": str(low)})
    try:
        result = validate_attributes(stored, {"d": str(value)})
    except ValidationFailed:
        assert value < low
    else:
        assert value >= low
        assert Decimal(result["d"]) == value
