"""All SQL of the catalog."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit.models import FieldChange
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.core.pagination import (
    AnySelect,
    Page,
    PageRequest,
    date_range,
    finish_page,
    like_pattern,
    paginate_statement,
    search_clause,
)
from orderdesk.core.permissions import Principal, Role
from orderdesk.db.query import fetch_all, fetch_one

ITEM_COLUMNS = (
    Item.id,
    Item.item_type_id,
    Item.sku,
    Item.name,
    Item.description,
    Item.category_id,
    Item.unit_id,
    Item.measure_unit,
    Item.price,
    Item.currency,
    Item.stock,
    Item.attributes,
    Item.tags,
    Item.status,
    Item.archived_at,
    Item.archive_reason,
    Item.created_at,
    Item.updated_at,
    Item.version,
)
ITEM_SORTS = {
    "id": Item.id,
    "name": Item.name,
    "sku": Item.sku,
    "price": Item.price,
    "created_at": Item.created_at,
    "updated_at": Item.updated_at,
}
TYPE_COLUMNS = (
    ItemType.id,
    ItemType.code,
    ItemType.name,
    ItemType.attribute_schema,
    ItemType.active,
    ItemType.created_at,
    ItemType.updated_at,
    ItemType.version,
)
CATEGORY_COLUMNS = (
    Category.id,
    Category.name,
    Category.parent_id,
    Category.position,
    Category.created_at,
    Category.updated_at,
    Category.version,
)


def item_scope(principal: Principal) -> list[ColumnElement[bool]]:
    """Rows a principal may see: staff their unit's and shared items, customers active ones."""
    if principal.role is Role.staff:
        return [or_(Item.unit_id == principal.unit_id, Item.unit_id.is_(None))]
    if principal.role is Role.customer:
        return [Item.status == "active"]
    return []


async def get_item_row(
    session: AsyncSession, item_id: int, principal: Principal
) -> dict[str, Any] | None:
    stmt = select(*ITEM_COLUMNS).where(Item.id == item_id, *item_scope(principal))
    return await fetch_one(session, stmt)


async def get_item(session: AsyncSession, item_id: int, principal: Principal) -> Item | None:
    stmt = select(Item).where(Item.id == item_id, *item_scope(principal)).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def sku_taken(session: AsyncSession, sku: str, exclude_id: int | None = None) -> bool:
    stmt = select(Item.id).where(Item.sku == sku)
    if exclude_id is not None:
        stmt = stmt.where(Item.id != exclude_id)
    return (await session.execute(stmt)).first() is not None


def item_conditions(
    principal: Principal,
    *,
    item_type_id: int | None = None,
    category_id: int | None = None,
    unit_id: int | None = None,
    status: str | None = None,
    tag: str | None = None,
    price_min: Decimal | None = None,
    price_max: Decimal | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    q: str | None = None,
) -> list[Any]:
    """The WHERE clause of an item list (filters, search and the principal's scope)."""
    conds: list[Any] = [
        *item_scope(principal),
        *date_range(Item.created_at, created_from, created_to),
    ]
    for column, value in (
        (Item.item_type_id, item_type_id),
        (Item.category_id, category_id),
        (Item.unit_id, unit_id),
        (Item.status, status),
    ):
        if value is not None:
            conds.append(column == value)
    if price_min is not None:
        conds.append(Item.price >= price_min)
    if price_max is not None:
        conds.append(Item.price <= price_max)
    if tag:
        conds.append(Item.search_text.like(like_pattern(f"#{tag.strip()}#"), escape="\\"))
    if (found := search_clause(Item.search_text, q)) is not None:
        conds.append(found)
    return conds


async def list_items(
    session: AsyncSession, principal: Principal, page: PageRequest, **filters: Any
) -> Page:
    conds = item_conditions(principal, **filters)
    stmt, key, _ = paginate_statement(
        select(*ITEM_COLUMNS).where(*conds), page, ITEM_SORTS, Item.id
    )
    return finish_page(await fetch_all(session, stmt), page, key)


async def field_history(
    session: AsyncSession, entity_type: str, entity_id: int
) -> list[dict[str, Any]]:
    stmt = (
        select(
            FieldChange.id,
            FieldChange.field,
            FieldChange.kind,
            FieldChange.old_value,
            FieldChange.new_value,
            FieldChange.actor_id,
            FieldChange.source,
            FieldChange.at,
        )
        .where(FieldChange.entity_type == entity_type, FieldChange.entity_id == entity_id)
        .order_by(FieldChange.id)
        .limit(1000)
    )
    return await fetch_all(session, stmt)


# item types


async def get_type(session: AsyncSession, type_id: int) -> ItemType | None:
    return await session.get(ItemType, type_id)


async def get_type_row(session: AsyncSession, type_id: int) -> dict[str, Any] | None:
    return await fetch_one(session, select(*TYPE_COLUMNS).where(ItemType.id == type_id))


async def type_code_taken(session: AsyncSession, code: str) -> bool:
    return (
        await session.execute(select(ItemType.id).where(ItemType.code == code))
    ).first() is not None


async def count_items_of_type(session: AsyncSession, type_id: int) -> int:
    stmt = select(func.count()).where(Item.item_type_id == type_id)
    return int((await session.execute(stmt)).scalar_one())


async def list_types(session: AsyncSession, page: PageRequest, *, active: bool | None) -> Page:
    stmt: AnySelect = select(*TYPE_COLUMNS)
    if active is not None:
        stmt = stmt.where(ItemType.active == active)
    stmt, key, _ = paginate_statement(
        stmt, page, {"id": ItemType.id, "code": ItemType.code}, ItemType.id
    )
    return finish_page(await fetch_all(session, stmt), page, key)


# categories


async def get_category(session: AsyncSession, category_id: int) -> Category | None:
    return await session.get(Category, category_id)


async def get_category_row(session: AsyncSession, category_id: int) -> dict[str, Any] | None:
    stmt = select(*CATEGORY_COLUMNS).where(Category.id == category_id)
    return await fetch_one(session, stmt)


async def category_name_taken(
    session: AsyncSession, name: str, parent_id: int | None, exclude_id: int | None = None
) -> bool:
    parent = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    stmt = select(Category.id).where(Category.name == name, parent)
    if exclude_id is not None:
        stmt = stmt.where(Category.id != exclude_id)
    return (await session.execute(stmt)).first() is not None


async def category_parent_ids(session: AsyncSession) -> dict[int, int | None]:
    rows = await session.execute(select(Category.id, Category.parent_id))
    return {row.id: row.parent_id for row in rows}


async def category_has_children(session: AsyncSession, category_id: int) -> bool:
    stmt = select(Category.id).where(Category.parent_id == category_id).limit(1)
    return (await session.execute(stmt)).first() is not None


async def list_categories(
    session: AsyncSession, page: PageRequest, *, parent_id: int | None
) -> Page:
    stmt: AnySelect = select(*CATEGORY_COLUMNS)
    if parent_id is not None:
        stmt = stmt.where(Category.parent_id == parent_id)
    sorts = {"id": Category.id, "name": Category.name, "position": Category.position}
    stmt, key, _ = paginate_statement(stmt, page, sorts, Category.id)
    return finish_page(await fetch_all(session, stmt), page, key)
