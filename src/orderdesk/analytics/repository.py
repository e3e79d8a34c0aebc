"""All SQL of order statistics: counts by status, revenue per currency, top items."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.orders.models import Order, OrderLine

# Statuses whose orders earn nothing: they count by status, but not in revenue or top items.
NO_REVENUE_STATUSES = ("cancelled", "canceled", "rejected")


async def counts_by_status(
    session: AsyncSession, *, since: datetime, scope: Sequence[ColumnElement[bool]]
) -> dict[str, int]:
    """Orders created since `since`, per status."""
    rows = await session.execute(
        select(Order.status, func.count())
        .where(Order.created_at >= since, *scope)
        .group_by(Order.status)
    )
    return {status: int(count) for status, count in rows.all()}


async def revenue_by_currency(
    session: AsyncSession, *, since: datetime, scope: Sequence[ColumnElement[bool]]
) -> dict[str, Decimal]:
    """Sum of order totals since `since`, per currency, without cancelled or rejected orders."""
    rows = await session.execute(
        select(Order.currency, func.sum(Order.total))
        .where(Order.created_at >= since, Order.status.not_in(NO_REVENUE_STATUSES), *scope)
        .group_by(Order.currency)
        .order_by(Order.currency)
    )
    return {currency: Decimal(total or 0) for currency, total in rows.all()}


async def top_items(
    session: AsyncSession,
    *,
    since: datetime,
    scope: Sequence[ColumnElement[bool]],
    limit: int,
) -> list[dict[str, Any]]:
    """The items with the largest amounts ordered since `since` (by sku and name)."""
    amount = func.sum(OrderLine.amount).label("amount")
    rows = await session.execute(
        select(
            OrderLine.sku,
            OrderLine.name,
            func.sum(OrderLine.quantity).label("quantity"),
            amount,
            func.count(func.distinct(Order.id)).label("orders"),
        )
        .join(Order, Order.id == OrderLine.order_id)
        .where(Order.created_at >= since, Order.status.not_in(NO_REVENUE_STATUSES), *scope)
        .group_by(OrderLine.sku, OrderLine.name)
        .order_by(amount.desc(), OrderLine.name)
        .limit(limit)
    )
    return [dict(row._mapping) for row in rows.all()]
