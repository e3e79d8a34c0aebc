"""All SQL of order types, orders, lines, counters and events."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    String,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import User
from orderdesk.catalog.models import Item
from orderdesk.core.pagination import (
    AnySelect,
    Page,
    PageRequest,
    date_range,
    finish_page,
    paginate_statement,
    search_clause,
)
from orderdesk.core.permissions import Principal, Role
from orderdesk.db.query import Prepared, PreparedWrite, Write, bound, fetch_all, fetch_one
from orderdesk.db.types import padded, utcnow
from orderdesk.orders.models import Order, OrderCounter, OrderEvent, OrderLine, OrderType
from orderdesk.orders.numbering import NumberPattern

ORDER_COLUMNS = (
    Order.id,
    Order.order_type_id,
    Order.number,
    Order.status,
    Order.customer_id,
    Order.unit_id,
    Order.channel,
    Order.external_source,
    Order.external_ref,
    Order.currency,
    Order.subtotal,
    Order.vat_amount,
    Order.total,
    Order.attributes,
    Order.note,
    Order.starts_at,
    Order.ends_at,
    Order.created_by_id,
    Order.created_at,
    Order.updated_at,
    Order.version,
)
LINE_COLUMNS = (
    OrderLine.id,
    OrderLine.position,
    OrderLine.item_id,
    OrderLine.sku,
    OrderLine.name,
    OrderLine.measure_unit,
    OrderLine.quantity,
    OrderLine.unit_price,
    OrderLine.coefficient,
    OrderLine.amount,
)
ORDER_SORTS = {
    "id": Order.id,
    "created_at": Order.created_at,
    "updated_at": Order.updated_at,
    "total": Order.total,
    "number": Order.number,
    "status": Order.status,
}
TYPE_COLUMNS = (
    OrderType.id,
    OrderType.code,
    OrderType.name,
    OrderType.number_format,
    OrderType.attribute_schema,
    OrderType.workflow,
    OrderType.books_time_range,
    OrderType.one_active_per_item,
    OrderType.requires_phone,
    OrderType.vat_rate,
    OrderType.prices_include_vat,
    OrderType.currency,
    OrderType.active,
    OrderType.created_at,
    OrderType.updated_at,
    OrderType.version,
)


def order_scope(principal: Principal) -> list[ColumnElement[bool]]:
    """Customers see their own orders, staff their unit's, managers and admins all."""
    if principal.role is Role.customer:
        return [Order.customer_id == principal.user_id]
    if principal.role is Role.staff:
        # `== None` renders IS NULL: staff without a unit work on the orders without one.
        return [Order.unit_id == principal.unit_id]
    return []


# Statements of the hottest reads, built once: no expression building per request.
_BY_ID = select(*ORDER_COLUMNS).where(Order.id == bindparam("order_id"))
_BY_ID_ANY = Prepared(_BY_ID)
_BY_ID_SCOPED = {
    Role.customer: Prepared(_BY_ID.where(Order.customer_id == bindparam("scope"))),
    Role.staff: Prepared(_BY_ID.where(Order.unit_id == bindparam("scope"))),
}
_BY_ID_NO_UNIT = Prepared(_BY_ID.where(Order.unit_id.is_(None)))
_LINES = Prepared(
    select(*LINE_COLUMNS)
    .where(OrderLine.order_id == bindparam("order_id"))
    .order_by(OrderLine.position, OrderLine.id)
)


async def get_order_row(
    session: AsyncSession, order_id: int, principal: Principal, *, with_lines: bool = True
) -> dict[str, Any] | None:
    query = _BY_ID_SCOPED.get(principal.role, _BY_ID_ANY)
    if principal.role is Role.staff and principal.unit_id is None:
        query = _BY_ID_NO_UNIT
    scope = principal.user_id if principal.role is Role.customer else principal.unit_id
    order = await query.one(session, order_id=order_id, scope=scope)
    if order is not None and with_lines:
        order["lines"] = await get_lines(session, order_id)
    return order


async def get_lines(session: AsyncSession, order_id: int) -> list[dict[str, Any]]:
    return await _LINES.all(session, order_id=order_id)


async def get_order(session: AsyncSession, order_id: int, principal: Principal) -> Order | None:
    stmt = select(Order).where(Order.id == order_id, *order_scope(principal)).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_line_objects(session: AsyncSession, order_id: int) -> list[OrderLine]:
    stmt = (
        select(OrderLine)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.position, OrderLine.id)
    )
    return list((await session.execute(stmt)).scalars())


def order_conditions(
    principal: Principal,
    *,
    order_type_id: int | None = None,
    status: str | None = None,
    customer_id: int | None = None,
    unit_id: int | None = None,
    channel: str | None = None,
    external_ref: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    starts_from: datetime | None = None,
    starts_to: datetime | None = None,
    total_min: Decimal | None = None,
    total_max: Decimal | None = None,
    q: str | None = None,
) -> list[Any]:
    """The WHERE clause of an order list (filters, search and the principal's scope)."""
    conds: list[Any] = [
        *order_scope(principal),
        *date_range(Order.created_at, created_from, created_to),
        *date_range(Order.starts_at, starts_from, starts_to),
    ]
    for column, value in (
        (Order.order_type_id, order_type_id),
        (Order.status, status),
        (Order.customer_id, customer_id),
        (Order.unit_id, unit_id),
        (Order.channel, channel),
        (Order.external_ref, external_ref),
    ):
        if value is not None:
            conds.append(column == value)
    if total_min is not None:
        conds.append(Order.total >= total_min)
    if total_max is not None:
        conds.append(Order.total <= total_max)
    if (found := search_clause(Order.search_text, q)) is not None:
        conds.append(found)
    return conds


async def list_orders(
    session: AsyncSession,
    principal: Principal,
    page: PageRequest,
    *,
    include_total: bool = False,
    **filters: Any,
) -> Page:
    conds = order_conditions(principal, **filters)
    stmt, key, _ = paginate_statement(
        select(*ORDER_COLUMNS).where(*conds), page, ORDER_SORTS, Order.id
    )
    result = finish_page(await fetch_all(session, stmt), page, key)
    if include_total:
        count = select(func.count()).select_from(Order).where(*conds)
        result.total = int((await session.execute(count)).scalar_one())
    return result


def _next_number_statement(make_insert: Any) -> Any:
    counter = OrderCounter.__table__.c
    return (
        make_insert(OrderCounter.__table__)
        .values(order_type_id=bindparam("b_type"), period=bindparam("b_period"), value=1)
        .on_conflict_do_update(
            index_elements=[counter.order_type_id, counter.period],
            set_={"value": counter.value + 1},
        )
        .returning(counter.value)
    )


def _number_statement(make_insert: Any) -> Any:
    counter = OrderCounter.__table__.c
    digits = padded(counter.value, bindparam("b_width", type_=Integer), bindparam("b_fill"))
    text = {name: bindparam(name, type_=String) for name in _NUMBER_TEXT}
    return _next_number_statement(make_insert).returning(
        (text["b_prefix"] + digits + text["b_suffix"]).label("number"),
        (text["b_folded_prefix"] + digits + text["b_folded_suffix"]).label("folded"),
    )


_NUMBER_TEXT = ("b_prefix", "b_suffix", "b_folded_prefix", "b_folded_suffix")


# Statements of the order-creation path, built once (they run on every POST /orders) and run
# as PreparedWrite: no ORM flush, no Core execution overhead, no second read of the order.
_NUMBER = {
    "postgresql": PreparedWrite(_number_statement(pg_insert), ()),
    "sqlite": PreparedWrite(_number_statement(sqlite_insert), ()),
}
_ORDERS = cast(Table, Order.__table__)
_ORDER_LINES = cast(Table, OrderLine.__table__)
_NEXT_NUMBER = {
    "postgresql": PreparedWrite(_next_number_statement(pg_insert), ()),
    "sqlite": PreparedWrite(_next_number_statement(sqlite_insert), ()),
}
ORDER_INSERT_COLUMNS = (
    "order_type_id",
    "number",
    "status",
    "customer_id",
    "unit_id",
    "channel",
    "external_source",
    "external_ref",
    "currency",
    "subtotal",
    "vat_amount",
    "total",
    "attributes",
    "note",
    "starts_at",
    "ends_at",
    "created_by_id",
    "created_at",
    "updated_at",
    "stock_deducted",
    "search_text",
    "version",
)
_INSERT_ORDER = PreparedWrite(
    insert(_ORDERS).returning(*(_ORDERS.c[col.key] for col in ORDER_COLUMNS)),
    ORDER_INSERT_COLUMNS,
)
_SET_NUMBER = PreparedWrite(
    update(_ORDERS).where(_ORDERS.c.id == bindparam("order_id")), ("number", "search_text")
)
LINE_INSERT_COLUMNS = (
    "order_id",
    "position",
    "item_id",
    "sku",
    "name",
    "measure_unit",
    "quantity",
    "unit_price",
    "coefficient",
    "amount",
)
_INSERT_LINES = insert(_ORDER_LINES)
_INSERT_LINES_RETURNING = PreparedWrite(
    insert(_ORDER_LINES).returning(
        *(_ORDER_LINES.c[col.key] for col in LINE_COLUMNS), sort_by_parameter_order=True
    ),
    LINE_INSERT_COLUMNS,
)
_INSERT_EVENT = PreparedWrite(
    insert(cast(Table, OrderEvent.__table__)),
    ("order_id", "kind", "from_status", "to_status", "actor_id", "comment", "at"),
)


async def insert_order(session: AsyncSession, values: dict[str, Any]) -> dict[str, Any]:
    """Insert an order; the stored row (as a GET returns it, without lines) comes back."""
    row = await _INSERT_ORDER.one(session, **values)
    assert row is not None
    return row


def set_number(order_id: int, number: str, search: str) -> Write:
    """The order's number and search text, to write with the creation's last writes."""
    return _SET_NUMBER.write(order_id=order_id, number=number, search_text=search)


async def next_number(session: AsyncSession, order_type_id: int, period: str) -> int:
    """Atomically take the next sequence value for a type and period."""
    conn, _ = await bound(session)
    row = await _NEXT_NUMBER[conn.dialect.name].one(session, b_type=order_type_id, b_period=period)
    assert row is not None
    return int(row["value"])


def number_write(dialect: str, order_type_id: int, period: str, pattern: NumberPattern) -> Write:
    """Take the next sequence value and return it rendered: `number` by `pattern` and `folded`
    (its casefolded form, as search text holds it). For `write_all(source=…)`."""
    folded = pattern.casefold()
    return _NUMBER[dialect].write(
        b_type=order_type_id,
        b_period=period,
        b_prefix=pattern.prefix,
        b_suffix=pattern.suffix,
        b_folded_prefix=folded.prefix,
        b_folded_suffix=folded.suffix,
        b_width=pattern.width,
        b_fill=pattern.fill,
    )


async def insert_lines(session: AsyncSession, order_id: int, lines: list[dict[str, Any]]) -> None:
    if lines:
        conn = await session.connection()
        await conn.execute(_INSERT_LINES, [{**line, "order_id": order_id} for line in lines])


async def insert_lines_returning(
    session: AsyncSession, order_id: int, lines: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Insert lines; the stored lines come back in their order, as a GET returns them."""
    if not lines:
        return []
    return await _INSERT_LINES_RETURNING.rows(
        session, [{**line, "order_id": order_id} for line in lines]
    )


async def delete_lines(session: AsyncSession, order_id: int) -> None:
    await session.execute(delete(OrderLine).where(OrderLine.order_id == order_id))


async def compare_and_set_status(
    session: AsyncSession, order_id: int, *, from_status: str, to_status: str, version: int
) -> bool:
    """Move the order only if nobody changed it since it was read; False when someone did."""
    stmt = (
        update(Order)
        .where(Order.id == order_id, Order.status == from_status, Order.version == version)
        .values(status=to_status, version=version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def current_status(session: AsyncSession, order_id: int) -> str | None:
    return (await session.execute(select(Order.status).where(Order.id == order_id))).scalar()


async def add_event(session: AsyncSession, **values: Any) -> None:
    await _INSERT_EVENT.one(session, **values)


def event(**values: Any) -> Write:
    """A history row of an order, to write with the use case's other writes."""
    return _INSERT_EVENT.write(**values)


async def events(session: AsyncSession, order_id: int) -> list[dict[str, Any]]:
    stmt = (
        select(
            OrderEvent.id,
            OrderEvent.kind,
            OrderEvent.from_status,
            OrderEvent.to_status,
            OrderEvent.actor_id,
            OrderEvent.comment,
            OrderEvent.at,
        )
        .where(OrderEvent.order_id == order_id)
        .order_by(OrderEvent.id)
        .limit(2000)
    )
    return await fetch_all(session, stmt)


@dataclass(frozen=True, slots=True)
class ItemRef:
    """What an order line takes from a catalog item, read as a row (no ORM object)."""

    id: int
    sku: str
    name: str
    measure_unit: str
    price: Decimal
    currency: str
    status: str
    unit_id: int | None
    stock: Decimal | None


_ITEM_REF = select(*(getattr(Item, field.name) for field in fields(ItemRef)))
# PostgreSQL: one statement for any number of ids (`= ANY($1)`), planned once; an IN list
# would be a new statement shape per count, built and compiled by Core on every call.
_ITEM_REFS = Prepared(_ITEM_REF.where(Item.id == any_(bindparam("ids", type_=ARRAY(BigInteger)))))


async def get_items(session: AsyncSession, item_ids: list[int]) -> dict[int, ItemRef]:
    """Load the items an order refers to, without locking them."""
    if not item_ids:
        return {}
    ids = sorted(set(item_ids))
    if (await bound(session))[0].dialect.name == "postgresql":
        rows = await _ITEM_REFS.all(session, ids=ids)
    else:
        rows = await fetch_all(session, _ITEM_REF.where(Item.id.in_(ids)))
    return {row["id"]: ItemRef(**row) for row in rows}


async def lock_items(session: AsyncSession, item_ids: list[int]) -> dict[int, Item]:
    """Load (and on PostgreSQL lock, in id order) the items an order refers to."""
    if not item_ids:
        return {}
    stmt = (
        select(Item).where(Item.id.in_(sorted(set(item_ids)))).order_by(Item.id).with_for_update()
    )
    return {item.id: item for item in (await session.execute(stmt)).scalars()}


async def lock_customer(session: AsyncSession, customer_id: int) -> User | None:
    stmt = select(User).where(User.id == customer_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def active_orders_with_item(
    session: AsyncSession,
    *,
    order_type_id: int,
    item_id: int,
    terminal: list[str],
    exclude_order_id: int | None = None,
    customer_id: int | None = None,
    overlapping: tuple[datetime, datetime] | None = None,
) -> bool:
    """Whether a non-terminal order of this type has a line on the item (optionally filtered)."""
    conds: list[Any] = [
        Order.order_type_id == order_type_id,
        OrderLine.item_id == item_id,
        Order.status.not_in(terminal) if terminal else Order.id.is_not(None),
    ]
    if exclude_order_id is not None:
        conds.append(Order.id != exclude_order_id)
    if customer_id is not None:
        conds.append(Order.customer_id == customer_id)
    if overlapping is not None:
        starts, ends = overlapping
        conds.append(and_(Order.starts_at < ends, Order.ends_at > starts))
    stmt: AnySelect = (
        select(Order.id).join(OrderLine, OrderLine.order_id == Order.id).where(*conds).limit(1)
    )
    return (await session.execute(stmt)).first() is not None


async def adjust_stock(session: AsyncSession, item_id: int, delta: Decimal) -> None:
    await session.execute(
        update(Item)
        .where(Item.id == item_id, Item.stock.is_not(None))
        .values(stock=Item.stock + delta, version=Item.version + 1)
        .execution_options(synchronize_session=False)
    )


# order types


async def get_type(session: AsyncSession, type_id: int) -> OrderType | None:
    return await session.get(OrderType, type_id)


async def get_type_by_code(session: AsyncSession, code: str) -> OrderType | None:
    return (
        await session.execute(select(OrderType).where(OrderType.code == code))
    ).scalar_one_or_none()


async def get_type_row(session: AsyncSession, type_id: int) -> dict[str, Any] | None:
    return await fetch_one(session, select(*TYPE_COLUMNS).where(OrderType.id == type_id))


async def list_types(session: AsyncSession, page: PageRequest, *, active: bool | None) -> Page:
    stmt: AnySelect = select(*TYPE_COLUMNS)
    if active is not None:
        stmt = stmt.where(OrderType.active == active)
    sorts = {"id": OrderType.id, "code": OrderType.code}
    stmt, key, _ = paginate_statement(stmt, page, sorts, OrderType.id)
    return finish_page(await fetch_all(session, stmt), page, key)


async def count_orders_of_type(session: AsyncSession, type_id: int) -> int:
    stmt = select(func.count()).where(Order.order_type_id == type_id)
    return int((await session.execute(stmt)).scalar_one())


async def statuses_in_use(session: AsyncSession, type_id: int) -> set[str]:
    stmt = select(Order.status).where(Order.order_type_id == type_id).distinct()
    return set((await session.execute(stmt)).scalars())


async def external_ref_taken(session: AsyncSession, source: str | None, ref: str) -> bool:
    source_cond = (
        Order.external_source.is_(None) if source is None else Order.external_source == source
    )
    stmt = select(Order.id).where(source_cond, Order.external_ref == ref).limit(1)
    return (await session.execute(stmt)).first() is not None


async def set_stock_deducted(session: AsyncSession, order_id: int, deducted: bool) -> None:
    stmt = (
        update(Order)
        .where(Order.id == order_id)
        .values(stock_deducted=deducted)
        .execution_options(synchronize_session=False)
    )
    await session.execute(stmt)
