"""Read queries of the bot: catalog pages by offset (callback data holds 64 bytes, no cursors)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import User
from orderdesk.catalog.models import Category, Item
from orderdesk.catalog.repository import item_conditions
from orderdesk.container import Container
from orderdesk.core.permissions import Principal
from orderdesk.db.query import fetch_all, fetch_one
from orderdesk.orders import types_cache
from orderdesk.orders.models import Order, OrderType
from orderdesk.units.models import Unit

PAGE_SIZE = 10  # FOK bot: ten per page


# Built page statements by (role, unit, page, filters): a Select keeps its SQLAlchemy cache
# key once computed, so a page pressed again skips building the statement and its key (about
# a tenth of a browsing update's CPU). The scope of item_scope() depends on role and unit
# only; free-text searches are not kept.
_PAGES: dict[tuple[Any, ...], Select[*tuple[Any, ...]]] = {}
MAX_PAGES = 2_000


async def item_page(
    session: AsyncSession, principal: Principal, page: int, **filters: Any
) -> tuple[list[dict[str, Any]], bool]:
    """One page of active items matching `filters`; (rows, has_next)."""
    key = (principal.role, principal.unit_id, page, *sorted(filters.items()))
    cached = _PAGES.get(key)
    if cached is None:
        stmt: Select[*tuple[Any, ...]] = (
            select(Item.id, Item.sku, Item.name, Item.price, Item.currency)
            .where(*item_conditions(principal, status="active", **filters))
            .order_by(Item.name, Item.id)
            .limit(PAGE_SIZE + 1)
            .offset(page * PAGE_SIZE)
        )
        if "q" not in filters:
            if len(_PAGES) >= MAX_PAGES:
                _PAGES.clear()
            _PAGES[key] = stmt
    else:
        stmt = cached
    rows = await fetch_all(session, stmt)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


async def item_card(
    session: AsyncSession, principal: Principal, **where: Any
) -> dict[str, Any] | None:
    """An active item by id or sku."""
    conds = [getattr(Item, key) == value for key, value in where.items()]
    stmt = select(
        Item.id,
        Item.sku,
        Item.name,
        Item.description,
        Item.price,
        Item.currency,
        Item.stock,
        Item.measure_unit,
        Item.unit_id,
    ).where(*conds, *item_conditions(principal, status="active"))
    return await fetch_one(session, stmt)


async def categories(session: AsyncSession) -> list[dict[str, Any]]:
    stmt = select(Category.id, Category.name).order_by(Category.position, Category.name).limit(40)
    return await fetch_all(session, stmt)


async def units(session: AsyncSession) -> list[dict[str, Any]]:
    stmt = select(Unit.id, Unit.name).where(Unit.active.is_(True)).order_by(Unit.name).limit(40)
    return await fetch_all(session, stmt)


async def name_of(session: AsyncSession, model: type[Category] | type[Unit], row_id: int) -> str:
    row = await fetch_one(session, select(model.name).where(model.id == row_id))
    return str(row["name"]) if row else "?"


async def bot_order_type(session: AsyncSession, container: Container) -> OrderType | None:
    """The order type the bot places: the configured code, or the first active one.

    A configured code is read through the orders' type cache (every checkout step needs the
    type; the orders service invalidates the cache on each type write), as a detached object
    for reading only.
    """
    code = container.settings.telegram_order_type
    if code:
        found = await types_cache.type_by_code(
            session, code, cache=container.cache, ttl=container.settings.cache_ttl_seconds
        )
        return found if found is not None and found.active else None
    stmt = select(OrderType).where(OrderType.active.is_(True))
    stmt = stmt.order_by(OrderType.id)
    return (await session.execute(stmt.limit(1))).scalar_one_or_none()


async def order_types(session: AsyncSession) -> dict[int, OrderType]:
    return {ot.id: ot for ot in (await session.execute(select(OrderType))).scalars()}


async def recent_orders(
    session: AsyncSession, customer_id: int, limit: int = 10
) -> list[dict[str, Any]]:
    stmt = (
        select(
            Order.id,
            Order.number,
            Order.status,
            Order.total,
            Order.currency,
            Order.order_type_id,
            Order.version,
        )
        .where(Order.customer_id == customer_id)
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return await fetch_all(session, stmt)


async def pending_users(session: AsyncSession, limit: int = 20) -> list[User]:
    stmt = select(User).where(User.status == "pending").order_by(User.id).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def customer_name(session: AsyncSession, user_id: int | None) -> str:
    if user_id is None:
        return "—"
    row = await fetch_one(session, select(User.display_name, User.phone).where(User.id == user_id))
    if row is None:
        return "—"
    return " ".join(part for part in (row["display_name"], row["phone"] or "") if part)
