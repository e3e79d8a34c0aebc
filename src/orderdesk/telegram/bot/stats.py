"""/stats figures (fallback query; helper tauth's `analytics.order_stats` supersedes it)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.permissions import Permission, Principal, Role, ensure
from orderdesk.orders.models import Order, OrderLine

PERIODS = (("today", 0), ("7", 7), ("30", 30))


async def order_stats(
    session: AsyncSession, *, principal: Principal, now: datetime
) -> dict[str, dict[str, Any]]:
    """Per period (today, 7 and 30 days): counts by status, revenue, top 3 items."""
    ensure(principal, Permission.orders_read)
    scope = [Order.unit_id == principal.unit_id] if principal.role is Role.staff else []
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    result: dict[str, dict[str, Any]] = {}
    for name, days in PERIODS:
        since = midnight if days == 0 else now - timedelta(days=days)
        where = [Order.created_at >= since, *scope]
        by_status = {
            str(status): int(count)
            for status, count in (
                await session.execute(
                    select(Order.status, func.count()).where(*where).group_by(Order.status)
                )
            ).all()
        }
        revenue = (
            await session.execute(select(func.coalesce(func.sum(Order.total), 0)).where(*where))
        ).scalar_one()
        top = (
            await session.execute(
                select(OrderLine.name, func.sum(OrderLine.quantity).label("qty"))
                .join(Order, Order.id == OrderLine.order_id)
                .where(*where)
                .group_by(OrderLine.name)
                .order_by(func.sum(OrderLine.quantity).desc(), OrderLine.name)
                .limit(3)
            )
        ).all()
        result[name] = {
            "count": sum(by_status.values()),
            "by_status": by_status,
            "revenue": Decimal(revenue or 0),
            "top": [(str(n), Decimal(q or 0)) for n, q in top],
        }
    return result
