"""Money arithmetic of orders: line amounts, subtotal, VAT and total, all Decimal."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
# The largest amount a Money column (18 digits, 4 after the point) can store.
MAX_AMOUNT = Decimal("99999999999999.99")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amount(quantity: Decimal, unit_price: Decimal, coefficient: Decimal) -> Decimal:
    return money(quantity * unit_price * coefficient)


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    vat_amount: Decimal
    total: Decimal


def compute_totals(
    amounts: Iterable[Decimal], vat_rate: Decimal, prices_include_vat: bool
) -> Totals:
    """Sum line amounts and apply VAT, either included in prices or added on top."""
    subtotal = money(sum(amounts, Decimal(0)))
    if not vat_rate:
        return Totals(subtotal, Decimal("0.00"), subtotal)
    if prices_include_vat:
        vat = money(subtotal * vat_rate / (HUNDRED + vat_rate))
        return Totals(subtotal, vat, subtotal)
    vat = money(subtotal * vat_rate / HUNDRED)
    return Totals(subtotal, vat, subtotal + vat)
