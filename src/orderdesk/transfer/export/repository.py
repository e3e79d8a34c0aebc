"""All SQL of exports: keyset-paged Core selects of the exported columns, never ORM objects.

On PostgreSQL a page runs straight on the asyncpg connection (no SQLAlchemy result rows), and
for the text formats PostgreSQL writes amounts and timestamps as the writers' text itself
(`render`), so Python neither builds a `Decimal` or `datetime` per cell nor formats one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from contextlib import aclosing, asynccontextmanager, suppress
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import (
    asc,
    bindparam,
    desc,
    func,
    null,
    select,
    text,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from orderdesk.auth.models import User
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.core.pagination import AnySelect, PageRequest, paginate_statement
from orderdesk.db.types import Money, UTCDateTime
from orderdesk.orders.models import Order, OrderLine, OrderType
from orderdesk.transfer.export.rendering import Render, as_text, line_of, page_body, renders
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


def rendered_positions(target: str, lines: bool, render: Render) -> frozenset[int]:
    """Row positions a statement built with `render` delivers as finished text."""
    if target == "items":
        return frozenset(i for i, v in enumerate(ITEM_VALUES) if renders(v, render))
    found = {i for i, v in enumerate(ORDER_VALUES) if renders(v, render)}
    if lines:
        found |= {ORDER_ROW_WIDTH + i for i, v in enumerate(LINE_VALUES) if renders(v, render)}
    return frozenset(found)


def _as_lines(
    paged: AnySelect, render: Render, descending: bool, sources: Sequence[Any]
) -> AnySelect:
    """A page as finished CSV lines or JSON objects, in one value (`_as_block`)."""
    # Its LIMIT or ORDER BY keeps the page a subquery: each value is computed once.
    page = paged.subquery("page")
    columns = list(page.c)
    order = desc if descending else asc
    lines = (
        select(line_of(columns, sources, render), columns[-2], columns[-1])
        .select_from(page)
        .order_by(order(columns[-2]), order(columns[-1]))
    )
    return _as_block(lines, render)


class Block(NamedTuple):
    """A page PostgreSQL wrote whole: its bytes (what the writer takes as a row's first
    value) and how many export rows it holds."""

    body: bytes
    rows: int


def _as_block(lines: AnySelect, render: Render) -> AnySelect:
    """The page's lines (line, sort value, id; sorted) aggregated into one row."""
    found = lines.subquery("found")
    return select(*page_body(list(found.c)[0], render)).select_from(found)


def row_count(page: Sequence[Any]) -> int:
    """Export rows in a page of rows or of one `Block`."""
    if page and isinstance(page[0], Block):
        return sum(block.rows for block in page)
    return len(page)


@asynccontextmanager
async def without_jit(conn: AsyncConnection) -> AsyncIterator[None]:
    """PostgreSQL's JIT off while the export reads.

    A page statement's generic plan (asyncpg prepares it; from the sixth page on PostgreSQL
    plans it once for any LIMIT) costs more than `jit_above_cost`, so every page compiled its
    expressions again: 1–3 µs of backend CPU a row, far more than it saves. Reads run in
    autocommit, so `SET LOCAL` would end with its own statement: the setting is the
    connection's until the export ends (also when it stops early), then reset.
    """
    if conn.dialect.name != "postgresql":
        yield
        return
    await conn.execute(text("SET jit = off"))
    try:
        yield
    finally:
        with suppress(Exception):  # a broken connection is discarded anyway
            await conn.execute(text("RESET jit"))


Page = tuple[Sequence[Any], dict[str, Any] | None]


def _labelled(values: Sequence[Any], render: Render | None, prefix: str) -> list[Any]:
    return [as_text(v, render).label(f"{prefix}{i}") for i, v in enumerate(values)]


def _values(values: Sequence[Any], render: Render | None, attributes: bool) -> list[Any]:
    """The exported values; without attribute columns no attribute JSON is read at all."""
    labelled = _labelled(values[:-1], render, "c")
    return [*labelled, (values[-1] if attributes else null()).label(f"c{len(values) - 1}")]


def item_statement(
    conds: Sequence[Any], sort_column: Any, render: Render | None = None, attributes: bool = True
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
    conds: Sequence[Any], sort_column: Any, render: Render | None = None, attributes: bool = True
) -> AnySelect:
    return (
        select(*_values(ORDER_VALUES, render, attributes), sort_column, Order.id)
        .select_from(Order)
        .join(OrderType, OrderType.id == Order.order_type_id)
        .outerjoin(User, User.id == Order.customer_id)
        .outerjoin(Unit, Unit.id == Order.unit_id)
        .where(*conds)
    )


class Query:
    """A page statement run once per page with other cursor values: built, keyed and
    compiled once per export, not once per page."""

    __slots__ = ("key", "stmt")

    def __init__(self, stmt: AnySelect) -> None:
        self.stmt = stmt
        self.key: Any = None


def _after(stmt: AnySelect, sorts: Mapping[str, Any], sort: str, id_column: Any) -> AnySelect:
    """`paginate_statement`'s cursor condition, with the cursor as the bind parameters
    `after_value` and `after_id` (the values come from our own last row, not a client)."""
    key, descending = sort.lstrip("-+"), sort.startswith("-")
    last_id = bindparam("after_id", type_=id_column.type)
    if key == "id":
        return stmt.where(id_column < last_id if descending else id_column > last_id)
    column = sorts[key]
    pair, last = (
        tuple_(column, id_column),
        tuple_(bindparam("after_value", type_=column.type), last_id),
    )
    return stmt.where(pair < last if descending else pair > last)


def _upto(stmt: AnySelect, sorts: Mapping[str, Any], sort: str, id_column: Any) -> AnySelect:
    """Rows up to and including the key `upto_value`, `upto_id` (a range's last row)."""
    key, descending = sort.lstrip("-+"), sort.startswith("-")
    last_id = bindparam("upto_id", type_=id_column.type)
    if key == "id":
        return stmt.where(id_column >= last_id if descending else id_column <= last_id)
    column = sorts[key]
    pair, last = (
        tuple_(column, id_column),
        tuple_(bindparam("upto_value", type_=column.type), last_id),
    )
    return stmt.where(pair >= last if descending else pair <= last)


@dataclass(frozen=True, slots=True)
class RangeQueries:
    """The statements of an export read in ranges (`ranges.py`); in each pair the first
    range's statement, then every following range's (after the cursor)."""

    ends: tuple[Query, Query]  # the key of the range's `batch`-th row, if there is one
    upto: tuple[Query, Query]  # the range's rows up to that key, as one block
    rest: tuple[Query, Query]  # the last range: every row left, as one block


def range_queries(
    stmt: AnySelect,
    *,
    sorts: Mapping[str, Any],
    sort: str,
    id_column: Any,
    batch: int,
    render: Render,
    sources: Sequence[Any] = (),
    lines: bool = False,
) -> RangeQueries:
    """Ranged pages of whole CSV lines or JSON objects (PostgreSQL, `render.line`): with
    `lines` orders joined with their lines, else one row per item or order."""
    key = sort.lstrip("-+")
    first, following, descending = _keyset(stmt, sorts, sort, id_column, batch)
    keys = (sorts[key] if key != "id" else id_column, id_column)

    def block(paged: AnySelect) -> AnySelect:
        if lines:
            return _with_lines(paged, descending, render, lateral=True)
        return _as_lines(paged, render, descending, sources)

    def pair(build: Callable[[AnySelect], AnySelect]) -> tuple[Query, Query]:
        return Query(build(first.limit(None))), Query(build(following.limit(None)))

    return RangeQueries(
        ends=pair(lambda q: q.with_only_columns(*keys).offset(batch - 1).limit(1)),
        upto=pair(lambda q: block(_upto(q, sorts, sort, id_column))),
        rest=pair(block),
    )


def _keyset(
    stmt: AnySelect, sorts: Mapping[str, Any], sort: str, id_column: Any, limit: int
) -> tuple[AnySelect, AnySelect, bool]:
    """The first page's statement and every following page's, and whether descending."""
    request = PageRequest(limit=limit, sort=sort)
    first, _, descending = paginate_statement(stmt, request, sorts, id_column)
    following, _, _ = paginate_statement(
        _after(stmt, sorts, sort, id_column), request, sorts, id_column
    )
    return first, following, descending


def _cursor(value: Any, row_id: Any) -> dict[str, Any]:
    return {"after_value": value, "after_id": row_id}


async def pages(
    session: AsyncSession,
    stmt: AnySelect,
    *,
    sorts: Mapping[str, Any],
    id_column: Any,
    sort: str,
    batch: int,
    ahead: bool = True,
) -> AsyncGenerator[Sequence[Any], None]:
    """The rows in pages of `batch`, each page one short keyset query (no long-held cursor).

    Pages PostgreSQL writes whole are read by `range_queries` and `ranges.py` instead.
    """
    first, following, _ = _keyset(stmt, sorts, sort, id_column, batch)

    def split(rows: Sequence[Any]) -> Page:
        if len(rows) <= batch:  # no probe row: this was the last page
            return rows, None
        rows = rows[:batch]
        return rows, _cursor(rows[-1][-2], rows[-1][-1])

    start, then = Query(first), Query(following)
    conn = await session.connection()
    async with (
        without_jit(conn),
        aclosing(_read_ahead(conn, start, then, split, ahead=ahead)) as found,
    ):
        async for rows in found:
            yield rows


async def line_pages(
    session: AsyncSession,
    stmt: AnySelect,
    *,
    sorts: Mapping[str, Any],
    sort: str,
    batch: int,
    render: Render | None,
    ahead: bool = True,
) -> AsyncGenerator[Sequence[Any], None]:
    """One row per order line (an order without lines: one row, its line columns empty).

    Each page is `batch` orders joined with their lines in one query; the next page starts
    after the page's last order.
    """
    conn = await session.connection()
    lateral = conn.dialect.name == "postgresql"
    at = ORDER_ROW_WIDTH
    first, following, descending = _keyset(stmt, sorts, sort, Order.id, batch)

    def split(rows: Sequence[Any]) -> Page:
        if len(rows) < batch:  # fewer rows than orders asked for: the last orders came
            return rows, None
        last = rows[-1]
        return rows, _cursor(last[at - 2], last[at - 1])

    start, then = (
        Query(_with_lines(q.limit(batch), descending, render, lateral=lateral))
        for q in (first, following)
    )
    async with (
        without_jit(conn),
        aclosing(_read_ahead(conn, start, then, split, ahead=ahead)) as found,
    ):
        async for rows in found:
            yield rows


async def _read_ahead(
    conn: AsyncConnection,
    first: Query,
    following: Query,
    split: Callable[[Sequence[Any]], Page],
    *,
    ahead: bool,
) -> AsyncGenerator[Sequence[Any], None]:
    """Non-empty pages, with `ahead` the next one already asked for while the caller writes
    this one (not for XLSX/PDF: their writer runs in a thread, and receiving a page in the
    event loop meanwhile costs GIL hand-overs, as ADR 0014 found for imports).

    The database runs the next page's query (on its own core) while Python turns this page
    into bytes; at most two pages are held. Nothing else may use the connection meanwhile
    (the export's session is its own). `split` gives the rows to yield and the next page's
    cursor, None after the last.
    """
    pending: asyncio.Future[Sequence[Any]] | None = asyncio.ensure_future(fetch_rows(conn, first))
    try:
        while pending is not None:
            rows, cursor = split(await pending)
            pending = None
            if cursor is not None and ahead:
                pending = asyncio.ensure_future(fetch_rows(conn, following, cursor))
                await asyncio.sleep(0)  # let it send the query before the caller's work
            if rows:
                yield rows
            if cursor is not None and not ahead:
                pending = asyncio.ensure_future(fetch_rows(conn, following, cursor))
    finally:
        if pending is not None:
            # The caller stopped early. The page is short: let it finish rather than cancel
            # it (a cancelled aiosqlite call leaves SQLAlchemy's connection unusable).
            with suppress(Exception):
                await pending


def _with_lines(
    paged: AnySelect, descending: bool, render: Render | None, *, lateral: bool
) -> AnySelect:
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
            # Ordered, so PostgreSQL keeps it a subquery: each value is computed once.
            .order_by(OrderLine.position, OrderLine.id)
            .lateral("line")
        )
        joined = page.outerjoin(lines, true())
        picked = list(lines.c)[: len(values)]
        line_order = [lines.c.lpos, lines.c.lid]
    else:
        joined = page.outerjoin(OrderLine, OrderLine.order_id == order_id)
        picked, line_order = values, [OrderLine.position, OrderLine.id]
    chosen = [*columns, *picked]
    if render is not None and render.line is not None:
        sources = [*ORDER_VALUES, None, None, *LINE_VALUES]
        chosen = [line_of(chosen, sources, render), sort_value, order_id]
    rows = (
        select(*chosen)
        .select_from(joined)
        .order_by(order(sort_value), order(order_id), *line_order)
    )
    if render is not None and render.line is not None:
        return _as_block(rows, render)
    return rows


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    compiled: Any
    params: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    # Result processors by position; Money and UTCDateTime leave asyncpg's values as they are.
    processors: tuple[tuple[int, Callable[[Any], Any]], ...]


_COMPILED: dict[Any, _Compiled | None] = {}
_MAX_COMPILED = 200


async def fetch_rows(
    conn: AsyncConnection, query: Query, params: Mapping[str, Any] | None = None
) -> Sequence[Any]:
    """The statement's rows, indexable like tuples: on PostgreSQL asyncpg records of a
    statement compiled once per shape (as `db.query` does), else SQLAlchemy rows."""
    if conn.dialect.name == "postgresql":
        if query.key is None:
            query.key = query.stmt._generate_cache_key() or False
        key = query.key
        if key is not False:
            plan = _COMPILED[key.key] if key.key in _COMPILED else _compile(conn, query.stmt, key)
            if plan is not None:
                return await _fetch_compiled(conn, plan, key, params)
    return (await conn.execute(query.stmt, dict(params or {}))).all()


async def _fetch_compiled(
    conn: AsyncConnection, plan: _Compiled, key: Any, params: Mapping[str, Any] | None
) -> Sequence[Any]:
    values = plan.compiled.construct_params(params, extracted_parameters=key.bindparams)
    args = [proc(values[name]) if proc else values[name] for name, proc in plan.params]
    driver: Any = (await conn.get_raw_connection()).driver_connection
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
