"""All SQL of exports: keyset-paged Core selects of the exported columns, never ORM objects.

On PostgreSQL a page runs straight on the asyncpg connection (no SQLAlchemy result rows), and
for the text formats PostgreSQL writes amounts and timestamps as the writers' text itself
(`render`), so Python neither builds a `Decimal` or `datetime` per cell nor formats one.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator, Callable, Iterable, Mapping, Sequence
from contextlib import aclosing, suppress
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    LargeBinary,
    String,
    Text,
    asc,
    bindparam,
    case,
    cast,
    desc,
    func,
    literal_column,
    null,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from orderdesk.auth.models import User
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.core.pagination import AnySelect, PageRequest, paginate_statement
from orderdesk.db.types import Money, UTCDateTime
from orderdesk.orders.models import Order, OrderLine, OrderType
from orderdesk.transfer.export.sanitize import FORMULA_STARTS, SKIPPED, TRIGGERS
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


@dataclass(frozen=True, slots=True)
class Render:
    """What PostgreSQL writes as the writers' finished text (text formats on PostgreSQL).

    Amounts as `1234.50` (two places at least, more only when they carry digits; `decimal`
    the separator), UTC timestamps as `datetime.isoformat()` writes them, and with `escape`
    (CSV) text cells that would start a formula escaped exactly as `sanitize.escape_cell`.
    """

    decimal: str = "."
    escape: bool = False
    # CSV only: the row positions of the columns, in order, when PostgreSQL writes the
    # whole line (every column finished text or an integer): a row is then the line's UTF-8
    # bytes, the sort value and the id.
    line: tuple[int, ...] | None = None
    delimiter: str = ","
    # JSON/NDJSON: with `line`, each row is its object as orjson writes it, with these keys.
    keys: tuple[str, ...] | None = None


def _renders(value: Any, render: Render) -> bool:
    kind = getattr(value, "type", None)
    return isinstance(kind, Money | UTCDateTime) or (render.escape and isinstance(kind, String))


def rendered_positions(target: str, lines: bool, render: Render) -> frozenset[int]:
    """Row positions a statement built with `render` delivers as finished text."""
    if target == "items":
        return frozenset(i for i, v in enumerate(ITEM_VALUES) if _renders(v, render))
    found = {i for i, v in enumerate(ORDER_VALUES) if _renders(v, render)}
    if lines:
        found |= {ORDER_ROW_WIDTH + i for i, v in enumerate(LINE_VALUES) if _renders(v, render)}
    return frozenset(found)


def _const(sql: str, kind: Any = Text) -> Any:
    # Written into the SQL, not bound: the same text for every page, and to_char's format
    # is then a constant PostgreSQL parses once.
    return literal_column(sql, kind)


def _code_points(chars: Iterable[str]) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in sorted(chars))


# sanitize.needs_escape as a regular expression: quotes, then skipped spaces, then a trigger.
FORMULA_PATTERN = f"^\\u0027*[{_code_points(SKIPPED)}]*[{_code_points(FORMULA_STARTS)}]"
# Most texts start with none of these: one integer test, no regular expression.
_TRIGGER_CODES = "(" + ", ".join(str(ord(c)) for c in sorted(TRIGGERS)) + ")"
_QUOTE = "''''"  # the SQL literal of one apostrophe


def _as_text(value: Any, render: Render | None) -> Any:
    """The value as `render` has PostgreSQL write it; None keeps typed values (XLSX, PDF,
    SQLite)."""
    if render is None or not _renders(value, render):
        return value
    kind = value.type
    if isinstance(kind, String):
        plain = func.ascii(value).op("NOT IN")(_const(_TRIGGER_CODES))
        escaped = _const(_QUOTE).op("||", return_type=Text)(value)
        return case((plain, value), (value.regexp_match(FORMULA_PATTERN), escaped), else_=value)
    if isinstance(kind, Money):
        places = func.greatest(_const("2", Integer), func.scale(func.trim_scale(value)))
        text: ColumnElement[Any] = cast(func.round(value, places), Text)
        if render.decimal == ",":
            return func.replace(text, _const("'.'"), _const("','"), type_=Text)
        return text
    utc = func.timezone(_const("'UTC'"), value)
    micro = case(
        (func.to_char(value, _const("'US'")) == _const("'000000'"), _const("''")),
        else_=func.to_char(utc, _const("'.US'"), type_=Text),
    )
    whole = func.to_char(utc, _const("""'YYYY-MM-DD"T"HH24:MI:SS'"""), type_=Text)
    return whole.op("||", return_type=Text)(micro).op("||", return_type=Text)(_const("'+00:00'"))


def _csv_field(value: Any, source: Any, render: Render) -> Any:
    """A CSV field as `csv.writer` (minimal quoting) writes it; NULL is an empty field.

    `source` is the value's database column: integers, timestamps and amounts (unless their
    decimal comma is the delimiter) hold no character that needs quotes, and skip the test.
    """
    kind = getattr(source, "type", None)
    if isinstance(value.type, Integer):
        return func.coalesce(cast(value, Text), _const("''"))
    text = func.coalesce(value, _const("''"), type_=Text)
    if isinstance(kind, UTCDateTime) or (
        isinstance(kind, Money) and render.decimal != render.delimiter
    ):
        return text
    specials = f"[{_code_points(render.delimiter + chr(34) + chr(13) + chr(10))}]"
    doubled = func.replace(text, _const("'\"'"), _const("'\"\"'"), type_=Text)
    quoted = (
        _const("'\"'")
        .op("||", return_type=Text)(doubled)
        .op("||", return_type=Text)(_const("'\"'"))
    )
    return case((text.regexp_match(specials), quoted), else_=text)


def _csv_line(values: Sequence[Any], sources: Sequence[Any], render: Render) -> Any:
    """The fields joined by the delimiter, CRLF-terminated, as UTF-8 bytes (no decoding).

    `values` are the row's columns in a subquery (each computed once), `sources` the
    database columns at the same positions.
    """
    assert render.line is not None
    fields = [_csv_field(values[p], sources[p], render) for p in render.line]
    # One concat_ws call (no field is NULL here) instead of a copy of the line per `||`.
    separator = _const(f"chr({ord(render.delimiter)})")
    line = func.concat(
        func.concat_ws(separator, *fields, type_=Text), _const("chr(13) || chr(10)"), type_=Text
    )
    return func.convert_to(line, _const("'UTF8'"), type_=LargeBinary)


def _sql_text(text: str) -> Any:
    return _const("'" + text.replace("'", "''") + "'")


def _json_object(values: Sequence[Any], render: Render) -> Any:
    """The row as a JSON object with orjson's bytes: compact, keys in column order, texts
    escaped as orjson does (PostgreSQL's to_json escapes the same characters the same way)."""
    assert render.line is not None
    assert render.keys is not None
    parts: list[Any] = []
    for n, (position, key) in enumerate(zip(render.line, render.keys, strict=True)):
        value = values[position]
        text = cast(value, Text) if isinstance(value.type, Integer) else func.to_json(value)
        parts.append(_sql_text(("{" if n == 0 else ",") + json.dumps(key) + ":"))
        parts.append(func.coalesce(cast(text, Text), _const("'null'"), type_=Text))
    line = func.concat(*parts, _const("'}'"), type_=Text)
    return func.convert_to(line, _const("'UTF8'"), type_=LargeBinary)


def _line(values: Sequence[Any], sources: Sequence[Any], render: Render) -> Any:
    if render.keys is not None:
        return _json_object(values, render)
    return _csv_line(values, sources, render)


def _as_lines(
    paged: AnySelect, render: Render | None, descending: bool, sources: Sequence[Any]
) -> AnySelect:
    """A page as finished CSV lines or JSON objects when PostgreSQL writes them."""
    if render is None or render.line is None:
        return paged
    page = paged.subquery("page")  # its LIMIT keeps each value computed once
    columns = list(page.c)
    order = desc if descending else asc
    return (
        select(_line(columns, sources, render), columns[-2], columns[-1])
        .select_from(page)
        .order_by(order(columns[-2]), order(columns[-1]))
    )


def _labelled(values: Sequence[Any], render: Render | None, prefix: str) -> list[Any]:
    return [_as_text(v, render).label(f"{prefix}{i}") for i, v in enumerate(values)]


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


Page = tuple[Sequence[Any], dict[str, Any] | None]


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
    render: Render | None = None,
    sources: Sequence[Any] = (),
) -> AsyncGenerator[Sequence[Any], None]:
    """The rows in pages of `batch`, each page one short keyset query (no long-held cursor).

    `sources` are the statement's database columns (`ITEM_VALUES`, `ORDER_VALUES`), which
    PostgreSQL needs to write whole CSV lines.
    """
    first, following, descending = _keyset(stmt, sorts, sort, id_column, batch)

    def split(rows: Sequence[Any]) -> Page:
        if len(rows) <= batch:  # no probe row: this was the last page
            return rows, None
        rows = rows[:batch]
        return rows, _cursor(rows[-1][-2], rows[-1][-1])

    start, then = (Query(_as_lines(q, render, descending, sources)) for q in (first, following))
    conn = await session.connection()
    async with aclosing(_read_ahead(conn, start, then, split)) as found:
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
) -> AsyncGenerator[Sequence[Any], None]:
    """One row per order line (an order without lines: one row, its line columns empty).

    Each page is `batch` orders joined with their lines in one query; the next page starts
    after the page's last order.
    """
    conn = await session.connection()
    lateral = conn.dialect.name == "postgresql"
    lines, at = render is not None and render.line is not None, ORDER_ROW_WIDTH
    first, following, descending = _keyset(stmt, sorts, sort, Order.id, batch)

    def split(rows: Sequence[Any]) -> Page:
        if len(rows) < batch:  # fewer rows than orders asked for: the last orders came
            return rows, None
        last = rows[-1]
        return rows, _cursor(*((last[-2], last[-1]) if lines else (last[at - 2], last[at - 1])))

    start, then = (
        Query(_with_lines(q.limit(batch), descending, render, lateral=lateral))
        for q in (first, following)
    )
    async with aclosing(_read_ahead(conn, start, then, split)) as found:
        async for rows in found:
            yield rows


async def _read_ahead(
    conn: AsyncConnection, first: Query, following: Query, split: Callable[[Sequence[Any]], Page]
) -> AsyncGenerator[Sequence[Any], None]:
    """Non-empty pages, the next one already asked for while the caller writes this one.

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
            if cursor is not None:
                pending = asyncio.ensure_future(fetch_rows(conn, following, cursor))
                await asyncio.sleep(0)  # let it send the query before the caller's work
            if rows:
                yield rows
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
        chosen = [_line(chosen, sources, render), sort_value, order_id]
    return (
        select(*chosen)
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
