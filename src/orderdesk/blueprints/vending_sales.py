"""Vending sales and how each source records them, with the discrepancies real sources have.

One sale at a machine shows up in up to three sources: the machine's own sales export, the
acquiring (payment) report for card and QR payments, and the fiscal receipt from the OFD.
Each source's copy may be missing, late, carry another amount, or come twice; payments may
also arrive that no machine sold (test payments, refunds).
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

SOURCES = ("machine", "payment", "fiscal")
METHODS = ("cash", "card", "qr")
CASHLESS = ("card", "qr")
WINDOW_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Sale:
    """A purchase: which machine, what, for how much, when, paid how."""

    number: int
    machine: str
    product: str
    price: Decimal
    sold_at: datetime
    method: str


@dataclass(frozen=True, slots=True)
class SourceRecord:
    """One source's line about a sale; `defect` names a deliberate discrepancy ("" if none).

    A record with the defect "missing" is what the source should have held: writers leave
    it out, and the list of discrepancies names it.
    """

    source: str
    sale: int
    machine: str
    product: str
    sold_at: datetime
    amount: Decimal
    method: str
    receipt: str
    defect: str = ""


@dataclass(frozen=True, slots=True)
class Defects:
    """How often each discrepancy happens (probabilities per sale and source)."""

    missing: float = 0.01
    late: float = 0.008  # beyond the ±60 s window
    edge: float = 0.01  # 45–60 s late: still inside the window
    amount: float = 0.008
    duplicate: float = 0.004
    orphan: float = 0.003  # a payment no machine sold


DEFECTS = Defects()
# Forced on the first sales, so that small sample files show every kind at least once.
SHOWCASE = (
    ("payment", "missing"),
    ("payment", "late"),
    ("payment", "edge"),
    ("payment", "amount"),
    ("payment", "duplicate"),
    ("fiscal", "missing"),
    ("fiscal", "amount"),
    ("fiscal", "late"),
    ("machine", "missing"),
    ("payment", "orphan"),
)


def source_records(
    rng: random.Random,
    sale: Sale,
    defects: Defects = DEFECTS,
    forced: tuple[str, str] | None = None,
) -> list[SourceRecord]:
    """The records the three sources hold about one sale."""
    out: list[SourceRecord] = []
    for source in SOURCES:
        if source == "payment" and sale.method not in CASHLESS:
            continue
        if forced is not None:
            defect = forced[1] if forced[0] == source else ""
        else:
            defect = _defect(rng, defects, source)
        out.extend(_recorded(rng, sale, source, defect))
    return out


def _defect(rng: random.Random, defects: Defects, source: str) -> str:
    roll = rng.random()
    for name in ("missing", "late", "edge", "amount", "duplicate", "orphan"):
        if name in ("duplicate", "orphan") and source != "payment":
            continue
        chance: float = getattr(defects, name)
        if source == "machine" and name != "missing":
            continue  # the machine's own clock and price are the reference
        if roll < chance:
            return name
        roll -= chance
    return ""


def _recorded(rng: random.Random, sale: Sale, source: str, defect: str) -> list[SourceRecord]:
    delay = {"machine": 0.0, "payment": rng.uniform(1, 25), "fiscal": rng.uniform(0, 5)}[source]
    if defect == "late":
        delay = rng.uniform(WINDOW_SECONDS + 30, 600)
    elif defect == "edge":
        delay = rng.uniform(45, WINDOW_SECONDS - 1)
    amount = sale.price
    if defect == "amount":
        amount = sale.price + Decimal(rng.choice((-20, -10, 10, 30)))
    record = SourceRecord(
        source=source,
        sale=sale.number,
        machine=sale.machine,
        product=sale.product,
        sold_at=(sale.sold_at + timedelta(seconds=round(delay))).replace(microsecond=0),
        amount=amount,
        method=sale.method,
        receipt=_receipt(rng, source),
        defect=defect,
    )
    if defect == "duplicate":
        return [record, replace(record, receipt=_receipt(rng, source))]
    if defect == "orphan":
        shifted = record.sold_at + timedelta(minutes=rng.uniform(10, 50))
        orphan = replace(record, sale=0, sold_at=shifted.replace(microsecond=0))
        return [replace(record, defect=""), replace(orphan, receipt=_receipt(rng, source))]
    return [record]


def _receipt(rng: random.Random, source: str) -> str:
    if source == "payment":
        return f"{rng.randrange(10**11, 10**12)}"  # RRN, 12 digits
    if source == "fiscal":
        return f"{rng.randrange(1, 99_999)}"  # fiscal document number
    return f"{rng.randrange(10**7, 10**8)}"


def all_records(
    rng: random.Random,
    sales: Sequence[Sale],
    defects: Defects = DEFECTS,
    *,
    showcase: bool = True,
) -> Iterator[SourceRecord]:
    """Every source's records of the sales; the first sales show each discrepancy once."""
    for index, sale in enumerate(sales):
        forced = SHOWCASE[index] if showcase and index < len(SHOWCASE) else None
        if forced is not None and forced[0] == "payment" and sale.method not in CASHLESS:
            sale = replace(sale, method="card")
        yield from source_records(rng, sale, defects, forced)
