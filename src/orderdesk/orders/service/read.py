"""Read one order or a page of orders, scoped to what the principal may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.errors import NotFound
from orderdesk.core.pagination import Page, PageRequest
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.orders import repository as repo
from orderdesk.orders.messages import ORDER_NOT_FOUND


async def get_order(
    *, session: AsyncSession, principal: Principal, order_id: int
) -> dict[str, Any]:
    ensure(principal, Permission.orders_read)
    row = await repo.get_order_row(session, order_id, principal)
    if row is None:
        raise NotFound(ORDER_NOT_FOUND, id=order_id)
    return row


async def list_orders(
    *, session: AsyncSession, principal: Principal, page: PageRequest, **filters: Any
) -> Page:
    ensure(principal, Permission.orders_read)
    return await repo.list_orders(session, principal, page, **filters)
