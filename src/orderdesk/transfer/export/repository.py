"""All SQL of exports: keyset-paged Core selects of the exported columns, never ORM objects."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import User
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.core.pagination import AnySelect, PageRequest, encode_cursor, paginate_statement
from orderdesk.orders.models import Order, OrderLine, OrderType
from orderdesk.units.models import Unit

# In the order of columns.ITEM_FIELDS, then attributes; the sort value and id close every row.
ITEM_VALUES = (
    Item.sku,
    Item.name,
    ItemType.code,
    Category.name,
    Unit.code,
    Item.measure_unit,
    Item.price,
    Item.currency,
    Item.stock,
    Item.status,
    Item.tags,
    Item.description,
    Item.archived_at,
    Item.archive_reason,
    Item.created_at,
    Item.updated_at,
    Item.attributes,
)
# In the order of columns.ORDER_FIELDS, then attributes.
ORDER_VALUES = (
    Order.number,
    OrderType.code,
    Order.status,
    Order.channel,
    # The customer as an import finds them again: username, else email, else phone.
    func.coalesce(User.username, User.email, User.phone),
    User.display_name,
    Unit.code,
    Order.external_source,
    Order.external_ref,
    Order.currency,
    Order.subtotal,
    Order.vat_amount,
    Order.total,
    Order.note,
    Order.starts_at,
    Order.ends_at,
    Order.created_at,
    Order.updated_at,
    Order.attributes,
)
# In the order of columns.LINE_FIELDS.
LINE_VALUES = (
    OrderLine.position,
    OrderLine.sku,
    OrderLine.name,
    OrderLine.measure_unit,
    OrderLine.quantity,
    OrderLine.unit_price,
    OrderLine.coefficient,
    OrderLine.amount,
)
ITEM_ROW_WIDTH = len(ITEM_VALUES) + 2
ORDER_ROW_WIDTH = len(ORDER_VALUES) + 2
NO_LINE: tuple[Any, ...] = (None,) * len(LINE_VALUES)


def item_statement(conds: Sequence[Any], sort_column: Any) -> AnySelect:
    return (
        select(*ITEM_VALUES, sort_column, Item.id)
        .select_from(Item)
        .join(ItemType, ItemType.id == Item.item_type_id)
        .outerjoin(Category, Category.id == Item.category_id)
        .outerjoin(Unit, Unit.id == Item.unit_id)
        .where(*conds)
    )


def order_statement(conds: Sequence[Any], sort_column: Any) -> AnySelect:
    return (
        select(*ORDER_VALUES, sort_column, Order.id)
        .select_from(Order)
        .join(OrderType, OrderType.id == Order.order_type_id)
        .outerjoin(User, User.id == Order.customer_id)
        .outerjoin(Unit, Unit.id == Order.unit_id)
        .where(*conds)
    )


async def pages(
    session: AsyncSession,
    stmt: AnySelect,
    *,
    sorts: Mapping[str, Any],
    id_column: Any,
    sort: str,
    batch: int,
) -> AsyncIterator[Sequence[Any]]:
    """The rows in pages of `batch`, each page one short keyset query (no long-held cursor)."""
    conn = await session.connection()
    cursor: str | None = None
    while True:
        paged, _, _ = paginate_statement(
            stmt, PageRequest(limit=batch, cursor=cursor, sort=sort), sorts, id_column
        )
        rows = (await conn.execute(paged)).all()
        more = len(rows) > batch
        if more:
            rows = rows[:batch]
        if rows:
            yield rows
        if not more:
            return
        last = rows[-1]
        cursor = encode_cursor(sort, last[-2], last[-1])


async def lines_of(session: AsyncSession, order_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The lines of these orders, in position order, by order id."""
    conn = await session.connection()
    stmt = (
        select(OrderLine.order_id, *LINE_VALUES)
        .where(OrderLine.order_id.in_(list(order_ids)))
        .order_by(OrderLine.order_id, OrderLine.position, OrderLine.id)
    )
    found: dict[int, list[Any]] = {}
    for row in await conn.execute(stmt):
        found.setdefault(row[0], []).append(tuple(row)[1:])
    return found


async def count_items(session: AsyncSession, conds: Sequence[Any]) -> int:
    stmt = select(func.count()).select_from(Item).where(*conds)
    return int((await session.execute(stmt)).scalar_one())


async def count_orders(session: AsyncSession, conds: Sequence[Any], *, lines: bool) -> int:
    """Orders, or with `lines` rows of the export (an order without lines is one row)."""
    stmt = select(func.count()).select_from(Order)
    if lines:
        stmt = stmt.outerjoin(OrderLine, OrderLine.order_id == Order.id)
    return int((await session.execute(stmt.where(*conds))).scalar_one())


async def attribute_schemas(
    session: AsyncSession, target: str, type_id: int | None
) -> list[list[dict[str, Any]]]:
    """The attribute schemas of the target's types (one type when the filter names it)."""
    model = ItemType if target == "items" else OrderType
    stmt = select(model.attribute_schema).order_by(model.id)
    if type_id is not None:
        stmt = stmt.where(model.id == type_id)
    return [list(schema or []) for schema in (await session.execute(stmt)).scalars()]


async def type_id_by_code(session: AsyncSession, target: str, code: str) -> int | None:
    model = ItemType if target == "items" else OrderType
    return (await session.execute(select(model.id).where(model.code == code))).scalar()
