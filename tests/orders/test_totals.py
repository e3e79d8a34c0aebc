"""Money arithmetic of orders, without HTTP: line amounts, VAT included or on top."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderdesk.orders.totals import Totals, compute_totals, line_amount

D = Decimal


@pytest.mark.parametrize(
    ("quantity", "price", "coefficient", "amount"),
    [
        ("3", "0.335", "1", "1.01"),  # 1.005 rounds half up, not to even
        ("1", "0.125", "1", "0.13"),
        ("1", "0.124999", "1", "0.12"),
        ("2.5", "99.99", "1", "249.98"),  # 249.975
        ("1", "250.5", "1.5", "375.75"),
        ("0.0001", "0.01", "1", "0.00"),
        ("1000000", "999999999999.99", "1", "999999999999990000.00"),
        ("3", "0", "1", "0.00"),
    ],
)
def test_line_amount_rounds_half_up_to_cents(
    quantity: str, price: str, coefficient: str, amount: str
) -> None:
    result = line_amount(D(quantity), D(price), D(coefficient))
    assert result == D(amount)
    assert result.as_tuple().exponent == -2


def test_totals_without_vat_are_the_sum_of_lines() -> None:
    assert compute_totals([D("1.01"), D("2.02")], D(0), True) == Totals(
        D("3.03"), D("0.00"), D("3.03")
    )


def test_totals_with_vat_included_take_vat_out_of_the_sum() -> None:
    totals = compute_totals([D("100.00"), D("20.00")], D(20), prices_include_vat=True)
    assert totals == Totals(subtotal=D("120.00"), vat_amount=D("20.00"), total=D("120.00"))


def test_totals_with_vat_on_top_add_it_to_the_sum() -> None:
    totals = compute_totals([D("100.00"), D("20.00")], D(20), prices_include_vat=False)
    assert totals == Totals(subtotal=D("120.00"), vat_amount=D("24.00"), total=D("144.00"))


def test_included_vat_rounds_half_up() -> None:
    # 10.00 * 10 / 110 = 0.90909… → 0.91; 0.05 * 10 / 100 = 0.005 → 0.01 on top.
    assert compute_totals([D("10.00")], D(10), True).vat_amount == D("0.91")
    assert compute_totals([D("0.05")], D(10), False).vat_amount == D("0.01")


def test_totals_of_no_lines_are_zero() -> None:
    assert compute_totals([], D(20), False) == Totals(D("0.00"), D("0.00"), D("0.00"))


cents = st.decimals(min_value=0, max_value=10**9, places=2)


@given(st.lists(cents, max_size=20), st.decimals(min_value=0, max_value=100, places=2))
def test_vat_on_top_total_is_subtotal_plus_vat(amounts: list[Decimal], rate: Decimal) -> None:
    totals = compute_totals(amounts, rate, prices_include_vat=False)
    assert totals.subtotal == sum(amounts, D(0))
    assert totals.total == totals.subtotal + totals.vat_amount
    assert D(0) <= totals.vat_amount <= totals.subtotal


@given(st.lists(cents, max_size=20), st.decimals(min_value=0, max_value=100, places=2))
def test_included_vat_never_changes_the_total(amounts: list[Decimal], rate: Decimal) -> None:
    totals = compute_totals(amounts, rate, prices_include_vat=True)
    assert totals.total == totals.subtotal == sum(amounts, D(0))
    assert D(0) <= totals.vat_amount <= totals.subtotal
