"""The bulk paths' shortcuts store and compare exactly what the general code would."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects.postgresql.asyncpg import dialect as pg_dialect
from sqlalchemy.dialects.sqlite.aiosqlite import dialect as sqlite_dialect

from orderdesk.audit.service import jsonable
from orderdesk.orders.models import Order, OrderLine
from orderdesk.transfer.importing import bulk
from orderdesk.transfer.importing.jobs import gc_paused
from orderdesk.transfer.importing.targets.common import same_json
from orderdesk.transfer.importing.targets.order_rows import lines_summary, same_lines

DIALECTS = [pg_dialect(json_serializer=lambda v: str(sorted(v.items()))), sqlite_dialect()]
COLUMNS = ("total", "created_at", "starts_at", "attributes", "stock_deducted", "note")
decimals = st.decimals(
    min_value=Decimal("-99999999999999"), max_value=Decimal("99999999999999"), places=6,
    allow_nan=False, allow_infinity=False,
)  # fmt: skip
moments = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001
    max_value=datetime(2090, 1, 1),  # noqa: DTZ001
    timezones=st.sampled_from([UTC, timezone(timedelta(hours=3)), timezone(-timedelta(hours=5))]),
)
values = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=3), decimals,
    st.sampled_from([Decimal("0"), Decimal("-0"), Decimal("0.00"), Decimal("-0.0000")]),
    st.sampled_from([{}, {"a": 1}, {"a": Decimal("1.0")}, []]), moments,
)  # fmt: skip


@pytest.mark.parametrize("dialect", DIALECTS, ids=lambda d: d.name)
@given(money=decimals, moment=moments, attributes=st.sampled_from([{}, {"a": [1, "б"]}]))
def test_bulk_processors_give_what_the_column_types_give(
    dialect: Any, money: Decimal, moment: datetime, attributes: dict[str, Any]
) -> None:
    table = Order.__table__
    fast = bulk._processors(table, COLUMNS, dialect)  # type: ignore[arg-type]
    plain = [table.c[name].type._cached_bind_processor(dialect) for name in COLUMNS]  # type: ignore[attr-defined]
    row = (money, moment, moment.astimezone(UTC), attributes, True, "text")
    for fast_one, plain_one, value in zip(fast, plain, row, strict=True):
        assert (fast_one is None) == (plain_one is None)
        if fast_one is not None and plain_one is not None:
            assert fast_one(value) == plain_one(value)


@given(old=values, new=values)
def test_same_json_is_only_said_of_values_whose_stored_form_is_the_same(old: Any, new: Any) -> None:
    if same_json(old, new):
        assert jsonable(old) == jsonable(new)


def test_same_json_tells_zeros_of_another_sign_apart() -> None:
    assert same_json(Decimal("1.50"), Decimal("1.5"))
    assert not same_json(Decimal("0"), Decimal("-0"))  # jsonable keeps the sign: compared
    assert not same_json(1, True)
    assert not same_json({"a": 1}, {"a": 1})  # not empty: compared in JSON form


@given(
    old=st.lists(st.tuples(st.sampled_from(["", "A"]), decimals, decimals), max_size=3),
    new=st.lists(st.tuples(st.sampled_from(["", "A"]), decimals, decimals), max_size=3),
)
def test_same_lines_is_only_said_of_lines_with_the_same_summary(
    old: list[tuple[str, Decimal, Decimal]], new: list[tuple[str, Decimal, Decimal]]
) -> None:
    def lines(raw: list[tuple[str, Decimal, Decimal]]) -> list[dict[str, Any]]:
        return [{"sku": s, "name": "N", "quantity": q, "unit_price": p} for s, q, p in raw]

    if same_lines(lines(old), lines(new)):
        assert lines_summary(lines(old)) == lines_summary(lines(new))
    assert same_lines(lines(old), lines(old))


def test_lines_processors_cover_every_money_column() -> None:
    fast = bulk._processors(OrderLine.__table__, ("quantity", "amount"), sqlite_dialect())  # type: ignore[arg-type]
    assert [p(Decimal("2.5")) for p in fast if p is not None] == [25_000, 25_000]
    assert [p(Decimal("0.00005")) for p in fast if p is not None] == [1, 1]  # rounded, as stored


def test_the_collector_is_back_on_after_imports_that_overlap() -> None:
    assert gc.isenabled()
    first, second = gc_paused(), gc_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the other import still runs
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_switched_off_by_someone_else_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
