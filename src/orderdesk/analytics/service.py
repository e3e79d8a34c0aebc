"""Order statistics over today, 7 and 30 days, scoped to what the principal may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from decimal import Decimal

from sqlalchemy import ColumnElement
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.analytics import repository as repo
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.orders.repository import order_scope

TOP_ITEMS = 5


@dataclass(frozen=True, slots=True)
class TopItem:
    sku: str
    name: str
    quantity: Decimal  # summed over the period's order lines
    amount: Decimal  # summed line amounts (currencies are not separated here)
    orders: int  # distinct orders containing it


@dataclass(frozen=True, slots=True)
class PeriodStats:
    """One window: orders created at or after `since`."""

    key: str  # "today", "7d" or "30d"
    since: datetime
    orders: int  # every order, whatever its status
    by_status: dict[str, int]  # status code -> count, largest first
    revenue: dict[str, Decimal]  # currency -> sum of totals, cancelled/rejected excluded
    top_items: list[TopItem]  # up to TOP_ITEMS, by amount, cancelled/rejected excluded


@dataclass(frozen=True, slots=True)
class Stats:
    """`periods` are today (since local midnight in `tz`), the last 7 and the last 30 days."""

    now: datetime
    periods: tuple[PeriodStats, PeriodStats, PeriodStats]

    def period(self, key: str) -> PeriodStats:
        return next(p for p in self.periods if p.key == key)


async def order_stats(
    session: AsyncSession, *, principal: Principal, now: datetime, tz: tzinfo = UTC
) -> Stats:
    """Counts by status, revenue and top items for today / 7 / 30 days.

    Row scoping is that of the orders API: managers and admins see every order, staff their
    unit's, customers their own. Statuses `cancelled`, `canceled` and `rejected` count in
    `by_status` but not in revenue or top items.
    """
    ensure(principal, Permission.orders_read)
    local = now.astimezone(tz)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    windows = (
        ("today", midnight),
        ("7d", now - timedelta(days=7)),
        ("30d", now - timedelta(days=30)),
    )
    scope = order_scope(principal)
    periods = [await _period(session, key, since, scope) for key, since in windows]
    return Stats(now=now, periods=(periods[0], periods[1], periods[2]))


async def _period(
    session: AsyncSession, key: str, since: datetime, scope: list[ColumnElement[bool]]
) -> PeriodStats:
    counts = await repo.counts_by_status(session, since=since, scope=scope)
    revenue = await repo.revenue_by_currency(session, since=since, scope=scope)
    top = await repo.top_items(session, since=since, scope=scope, limit=TOP_ITEMS)
    return PeriodStats(
        key=key,
        since=since,
        orders=sum(counts.values()),
        by_status=dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
        revenue=revenue,
        top_items=[
            TopItem(
                sku=row["sku"],
                name=row["name"],
                quantity=Decimal(row["quantity"] or 0),
                amount=Decimal(row["amount"] or 0),
                orders=int(row["orders"]),
            )
            for row in top
        ],
    )
