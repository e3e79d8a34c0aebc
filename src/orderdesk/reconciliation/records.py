"""Order rows → matcher records, and matcher outcomes → rows of the matches table."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from orderdesk.reconciliation.matcher import Outcome, Record, Side
from orderdesk.reconciliation.rules import MONEY_SCALE

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
KEY_SEPARATOR = " / "


@dataclass(frozen=True, slots=True)
class Info:
    """What the report shows of a record besides its status."""

    number: str
    key: str
    at: datetime
    amount: Decimal


@dataclass(slots=True)
class Loaded:
    records: list[Record] = field(default_factory=list)
    info: dict[int, Info] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)


def to_records(rows: Iterable[Sequence[Any]]) -> Loaded:
    """Rows (id, number, time, amount, *keys); records lacking a time, amount or key are skipped."""
    out = Loaded()
    for order_id, number, raw_time, raw_amount, *raw_keys in rows:
        at = parse_time(raw_time)
        amount = parse_amount(raw_amount)
        keys = tuple(normalize_key(value) for value in raw_keys)
        if at is None:
            out.skipped["no_time"] += 1
        elif amount is None:
            out.skipped["no_amount"] += 1
        elif not all(keys):
            out.skipped["no_key"] += 1
        else:
            micros = (at - EPOCH) // MICRO
            out.records.append(Record(order_id, keys, micros, int(amount * MONEY_SCALE)))
            shown = KEY_SEPARATOR.join(str(value).strip() for value in raw_keys)
            out.info[order_id] = Info(number, shown[:300], at, amount)
    return out


def parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else None


def parse_amount(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and abs(amount) < Decimal("1e14") else None


def normalize_key(value: Any) -> str:
    """Keys compare without case and outer spaces ("VM-001 " equals "vm-001")."""
    return "" if value is None else str(value).strip().casefold()


def in_period(at: datetime, since: datetime, until: datetime) -> bool:
    return since <= at < until


def match_rows(
    outcomes: Iterable[Outcome],
    info: dict[Side, dict[int, Info]],
    since: datetime,
    until: datetime,
) -> list[dict[str, Any]]:
    """Rows for the period: records inside it, and outside ones paired with one inside."""
    rows = []
    for outcome in outcomes:
        own = info[outcome.side][outcome.id]
        other_side: Side = "B" if outcome.side == "A" else "A"
        other = info[other_side].get(outcome.counterpart) if outcome.counterpart else None
        inside = in_period(own.at, since, until)
        if not inside and not (other is not None and in_period(other.at, since, until)):
            continue
        rows.append(_row(outcome, own, other))
    return rows


def _row(outcome: Outcome, own: Info, other: Info | None) -> dict[str, Any]:
    return {
        "side": outcome.side,
        "status": outcome.status.value,
        "order_id": outcome.id,
        "number": own.number,
        "key": own.key,
        "at": own.at,
        "amount": own.amount,
        "counterpart_id": outcome.counterpart,
        "counterpart_number": other.number if other else None,
        "counterpart_at": other.at if other else None,
        "counterpart_amount": other.amount if other else None,
        "time_delta_ms": None if outcome.time_delta is None else outcome.time_delta // 1000,
        "amount_delta": None
        if outcome.amount_delta is None
        else Decimal(outcome.amount_delta) / MONEY_SCALE,
        "candidates": outcome.candidates,
    }


def count(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    """Records per status and side, e.g. {"A.matched": 10, "B.only_in_B": 2}."""
    return dict(Counter(f"{row['side']}.{row['status']}" for row in rows))
