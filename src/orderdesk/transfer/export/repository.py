"""All SQL of exports: keyset-paged Core selects of the exported columns, never ORM objects.

On PostgreSQL a page runs straight on the asyncpg connection (no SQLAlchemy result rows), and
for the text formats PostgreSQL writes amounts and timestamps as the writers' text itself
(`render`), so Python neither builds a `Decimal` or `datetime` per cell nor formats one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Text,
    asc,
    case,
    cast,
    desc,
    func,
    literal_column,
    null,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from orderdesk.auth.models import User
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.core.pagination import AnySelect, PageRequest, encode_cursor, paginate_statement
from orderdesk.db.types import Money, UTCDateTime
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


def _renders(value: Any) -> bool:
    return isinstance(getattr(value, "type", None), Money | UTCDateTime)


def rendered_positions(target: str, lines: bool) -> frozenset[int]:
    """Row positions a rendering statement (`render` given) delivers as finished text."""
    if target == "items":
        return frozenset(i for i, v in enumerate(ITEM_VALUES) if _renders(v))
    found = {i for i, v in enumerate(ORDER_VALUES) if _renders(v)}
    if lines:
        found |= {ORDER_ROW_WIDTH + i for i, v in enumerate(LINE_VALUES) if _renders(v)}
    return frozenset(found)


def _const(sql: str, kind: Any = Text) -> Any:
    # Written into the SQL, not bound: the same text for every page, and to_char's format
    # is then a constant PostgreSQL parses once.
    return literal_column(sql, kind)


def _as_text(value: Any, render: str | None) -> Any:
    """Money as `1234.50` (two places at least, more only when they carry digits) and UTC
    timestamps as `datetime.isoformat()` writes them, computed by PostgreSQL; `render` is the
    decimal separator, None keeps typed values (XLSX, PDF, SQLite)."""
    kind = getattr(value, "type", None)
    if render is None or not isinstance(kind, Money | UTCDateTime):
        return value
    if isinstance(kind, Money):
        places = func.greatest(_const("2", Integer), func.scale(func.trim_scale(value)))
        text: ColumnElement[Any] = cast(func.round(value, places), Text)
        if render == ",":
            return func.replace(text, _const("'.'"), _const("','"), type_=Text)
        return text
    utc = func.timezone(_const("'UTC'"), value)
    micro = case(
        (func.to_char(value, _const("'US'")) == _const("'000000'"), _const("''")),
        else_=func.to_char(utc, _const("'.US'"), type_=Text),
    )
    whole = func.to_char(utc, _const("""'YYYY-MM-DD"T"HH24:MI:SS'"""), type_=Text)
    return whole.op("||", return_type=Text)(micro).op("||", return_type=Text)(_const("'+00:00'"))


def _labelled(values: Sequence[Any], render: str | None, prefix: str) -> list[Any]:
    return [_as_text(v, render).label(f"{prefix}{i}") for i, v in enumerate(values)]


def _values(values: Sequence[Any], render: str | None, attributes: bool) -> list[Any]:
    """The exported values; without attribute columns no attribute JSON is read at all."""
    labelled = _labelled(values[:-1], render, "c")
    return [*labelled, (values[-1] if attributes else null()).label(f"c{len(values) - 1}")]


def item_statement(
    conds: Sequence[Any], sort_column: Any, render: str | None = None, attributes: bool = True
) -> AnySelect:
    return (
        select(*_values(ITEM_VALUES, render, attributes), sort_column, Item.id)
        .select_from(Item)
        .join(ItemType, ItemType.id == Item.item_type_id)
        .outerjoin(Category, Category.id == Item.category_id)
        .outerjoin(Unit, Unit.id == Item.unit_id)
        .where(*conds)
    )


def order_statement(
    conds: Sequence[Any], sort_column: Any, render: str | None = None, attributes: bool = True
) -> AnySelect:
    return (
        select(*_values(ORDER_VALUES, render, attributes), sort_column, Order.id)
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
        rows = await fetch_rows(conn, paged)
        more = len(rows) > batch
        if more:
            rows = rows[:batch]
        if rows:
            yield rows
        if not more:
            return
        last = rows[-1]
        cursor = encode_cursor(sort, last[-2], last[-1])


async def line_pages(
    session: AsyncSession,
    stmt: AnySelect,
    *,
    sorts: Mapping[str, Any],
    sort: str,
    batch: int,
    render: str | None,
) -> AsyncIterator[Sequence[Any]]:
    """One row per order line (an order without lines: one row, its line columns empty).

    Each page is `batch` orders joined with their lines in one query; the next page starts
    after the page's last order.
    """
    conn = await session.connection()
    lateral = conn.dialect.name == "postgresql"
    cursor: str | None = None
    while True:
        paged, _, descending = paginate_statement(
            stmt, PageRequest(limit=batch, cursor=cursor, sort=sort), sorts, Order.id
        )
        joined = _with_lines(paged.limit(batch), descending, render, lateral=lateral)
        rows = await fetch_rows(conn, joined)
        if not rows:
            return
        yield rows
        if len(rows) < batch:  # fewer rows than orders asked for: the last orders came
            return
        last = rows[-1]
        cursor = encode_cursor(sort, last[ORDER_ROW_WIDTH - 2], last[ORDER_ROW_WIDTH - 1])


def _with_lines(paged: AnySelect, descending: bool, render: str | None, *, lateral: bool) -> Any:
    """A page of orders joined with their lines, in the page's order, lines by position.

    PostgreSQL joins each order's lines through LATERAL: with a plain join its planner hashes
    the whole lines table for every page (40 ms for a page of 2,000 orders among 200k lines,
    8 ms this way). SQLite's planner looks the lines up by their index either way.
    """
    page = paged.subquery("page")
    columns = list(page.c)
    sort_value, order_id = columns[-2], columns[-1]
    order = desc if descending else asc
    values = _labelled(LINE_VALUES, render, "l")
    line_order: list[Any]
    if lateral:
        lines = (
            select(*values, OrderLine.position.label("lpos"), OrderLine.id.label("lid"))
            .where(OrderLine.order_id == order_id)
            .lateral("line")
        )
        joined = page.outerjoin(lines, true())
        picked = list(lines.c)[: len(values)]
        line_order = [lines.c.lpos, lines.c.lid]
    else:
        joined = page.outerjoin(OrderLine, OrderLine.order_id == order_id)
        picked, line_order = values, [OrderLine.position, OrderLine.id]
    return (
        select(*columns, *picked)
        .select_from(joined)
        .order_by(order(sort_value), order(order_id), *line_order)
    )


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    compiled: Any
    params: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    # Result processors by position; Money and UTCDateTime leave asyncpg's values as they are.
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]


_COMPILED: dict[Any, _Compiled | None] = {}
_MAX_COMPILED = 200


async def fetch_rows(conn: AsyncConnection, stmt: AnySelect) -> Sequence[Any]:
    """The statement's rows, indexable like tuples: on PostgreSQL asyncpg records of a
    statement compiled once per shape (as `db.query` does), else SQLAlchemy rows."""
    if conn.dialect.name == "postgresql":
        key = stmt._generate_cache_key()
        if key is not None:
            plan = _COMPILED[key.key] if key.key in _COMPILED else _compile(conn, stmt, key)
            if plan is not None:
                return await _fetch_compiled(conn, plan, key)
    return (await conn.execute(stmt)).all()


async def _fetch_compiled(conn: AsyncConnection, plan: _Compiled, key: Any) -> Sequence[Any]:
    values = plan.compiled.construct_params(extracted_parameters=key.bindparams)
    args = [proc(values[name]) if proc else values[name] for name, proc in plan.params]
    driver = (await conn.get_raw_connection()).driver_connection
    records: Sequence[Any] = await driver.fetch(plan.sql, *args)
    if not plan.processors:
        return records
    return [_processed(record, plan.processors) for record in records]


def _processed(record: Any, processors: Sequence[tuple[int, Callable[[Any], Any]]]) -> list[Any]:
    row = list(record)
    for index, proc in processors:
        row[index] = proc(row[index])
    return row


def _compile(conn: AsyncConnection, stmt: AnySelect, key: Any) -> _Compiled | None:
    """The statement's SQL and parameter order, or None when it cannot be planned (IN lists
    expanded at execution)."""
    dialect = conn.dialect
    compiled: Any = dialect.statement_compiler(dialect, stmt, cache_key=key)
    plan = None
    if not compiled.post_compile_params and not compiled.literal_execute_params:
        params = tuple(
            (name, compiled.binds[name].type._cached_bind_processor(dialect))
            for name in compiled.positiontup or ()
        )
        processors = []
        for index, column in enumerate(compiled._result_columns):
            if isinstance(column.type, Money | UTCDateTime):
                continue
            proc = column.type._cached_result_processor(dialect, None)
            if proc is not None:
                processors.append((index, proc))
        plan = _Compiled(compiled.string, compiled, params, tuple(processors))
    if len(_COMPILED) >= _MAX_COMPILED:
        _COMPILED.clear()
    _COMPILED[key.key] = plan
    return plan


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
