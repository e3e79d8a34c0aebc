"""Read helpers for hot paths: run a Core select on the session's connection, get dicts.

On PostgreSQL a select is compiled once per shape (SQLAlchemy's cache key, so the same
query with other values reuses the plan) and run straight on the asyncpg connection the
session holds, with SQLAlchemy's own bind and result processors applied: no execution
context, cursor wrapper or Row objects per request (see ADR 0004). Elsewhere, and for what
the plan cannot carry (expanding IN lists, FOR UPDATE), it runs through SQLAlchemy Core.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Dialect, Executable, Insert, Select, Table, Update, bindparam
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql.compiler import SQLCompiler

MAX_PLANS = 2_000
Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    compiled: SQLCompiler
    sql: str
    params: tuple[tuple[str, Processor], ...]
    columns: tuple[tuple[str, Processor], ...]


# Plans by the statement's structural cache key; None marks shapes that cannot be planned.
_PLANS: dict[Any, _Plan | None] = {}


_BOUND = "orderdesk.bound_connection"


async def bound(session: AsyncSession) -> tuple[AsyncConnection, Any]:
    """The session's connection and its DBAPI adapter, looked up once per transaction.

    `session.connection()` and `get_raw_connection()` each pass through a greenlet (≈ 30 µs
    the pair, measured under load), and a request runs 2–12 statements on the one connection
    of its transaction. A new transaction (after a commit or rollback) looks them up again.
    """
    transaction = session.sync_session.get_transaction()
    cached = session.info.get(_BOUND)
    if transaction is not None and cached is not None and cached[0] is transaction:
        return cached[1], cached[2]
    conn = await session.connection()
    adapter = (await conn.get_raw_connection()).dbapi_connection
    session.info[_BOUND] = (session.sync_session.get_transaction(), conn, adapter)
    return conn, adapter


async def fetch_all(
    session: AsyncSession, stmt: Executable, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    conn, adapter = await bound(session)
    if conn.dialect.name == "postgresql" and isinstance(stmt, Select):
        rows = await _fetch_planned(conn, adapter.driver_connection, stmt, params)
        if rows is not None:
            return rows
    result = await conn.execute(stmt, params)
    return [dict(row) for row in result.mappings()]


async def fetch_one(
    session: AsyncSession, stmt: Executable, params: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    rows = await fetch_all(session, stmt, params)
    return rows[0] if rows else None


async def _fetch_planned(
    conn: AsyncConnection, driver: Any, stmt: Select[Any], params: Mapping[str, Any] | None
) -> list[dict[str, Any]] | None:
    """The rows via a cached plan, or None when this statement's shape has no plan."""
    if stmt._for_update_arg is not None:  # must run inside SQLAlchemy's transaction
        return None
    key = stmt._generate_cache_key()
    if key is None:
        return None
    if key.key in _PLANS:
        plan = _PLANS[key.key]
    else:
        plan = await _make_plan(conn.dialect, driver, stmt, key)
    if plan is None:
        return None
    values = plan.compiled.construct_params(params, extracted_parameters=key.bindparams)
    return await _run(plan, driver, values)


async def _make_plan(dialect: Dialect, driver: Any, stmt: Select[Any], key: Any) -> _Plan | None:
    compiled: SQLCompiler = dialect.statement_compiler(dialect, stmt, cache_key=key)
    plan = None
    if not compiled.post_compile_params and not compiled.literal_execute_params:
        plan = await _plan_of(compiled, dialect, driver)
    if len(_PLANS) >= MAX_PLANS:
        _PLANS.clear()
    _PLANS[key.key] = plan
    return plan


async def _plan_of(compiled: SQLCompiler, dialect: Dialect, driver: Any) -> _Plan:
    params = tuple(
        (name, compiled.binds[name].type._cached_bind_processor(dialect))
        for name in compiled.positiontup or ()
    )
    # Result processors depend on the column's wire type (e.g. NUMERIC vs FLOAT).
    wire = (await driver.prepare(compiled.string)).get_attributes()
    columns = tuple(
        (col.keyname, col.type._cached_result_processor(dialect, attr.type.oid))
        for col, attr in zip(compiled._result_columns, wire, strict=True)
    )
    return _Plan(compiled, compiled.string, params, columns)


async def _run(plan: _Plan, driver: Any, values: Mapping[str, Any]) -> list[dict[str, Any]]:
    args = [proc(values[name]) if proc else values[name] for name, proc in plan.params]
    return _rows(plan, await driver.fetch(plan.sql, *args))


def _rows(plan: _Plan, records: Sequence[Any]) -> list[dict[str, Any]]:
    keys = [key for key, _ in plan.columns]
    processed = [(index, proc) for index, (_, proc) in enumerate(plan.columns) if proc]
    rows = []
    for record in records:
        values_ = list(record)
        for index, proc in processed:
            values_[index] = proc(values_[index])
        rows.append(dict(zip(keys, values_, strict=True)))
    return rows


async def begin(session: AsyncSession) -> None:
    """Make sure the session's transaction has begun on the database.

    SQLAlchemy's asyncpg adapter sends BEGIN lazily, with the first statement it runs itself:
    a `Prepared` statement run straight on the driver before that would run outside the
    session's transaction (a write there would commit at once). No-op elsewhere.
    """
    conn, adapter = await bound(session)
    if conn.dialect.name != "postgresql":
        return
    await _begun(adapter)


async def _begun(adapter: Any) -> None:
    """BEGIN on SQLAlchemy's asyncpg adapter unless it has begun (its private `_transaction`)."""
    if getattr(adapter, "_transaction", True) is None:
        await adapter._start_transaction()


class Prepared:
    """A read statement of a hot path with named bind parameters, built once at import.

    On PostgreSQL it is compiled once and run straight on the asyncpg connection (the same
    connection and transaction the session uses); elsewhere it runs through SQLAlchemy Core.
    """

    def __init__(self, stmt: Select[*tuple[Any, ...]]) -> None:
        self.stmt = stmt
        self._plans: dict[str, _Plan] = {}

    async def all(self, session: AsyncSession, **params: Any) -> list[dict[str, Any]]:
        conn, adapter = await bound(session)
        if conn.dialect.name != "postgresql":
            result = await conn.execute(self.stmt, params)
            return [dict(row) for row in result.mappings()]
        driver = adapter.driver_connection
        plan = self._plans.get(conn.dialect.name)
        if plan is None:
            compiled = self.stmt.compile(dialect=conn.dialect)
            plan = self._plans[conn.dialect.name] = await _plan_of(compiled, conn.dialect, driver)
        return await _run(plan, driver, params)

    async def one(self, session: AsyncSession, **params: Any) -> dict[str, Any] | None:
        rows = await self.all(session, **params)
        return rows[0] if rows else None


class PreparedWrite:
    """An INSERT or UPDATE of a hot path with a fixed column set, compiled once at import.

    On PostgreSQL it runs straight on the session's asyncpg connection inside the session's
    transaction (begun first if the session has not begun it yet), with SQLAlchemy's bind and
    result processors applied and driver errors raised as SQLAlchemy's (IntegrityError …).
    That skips Core's per-execution work (cache key, execution context, cursor wrapper), about
    a tenth of a millisecond per statement. Columns left out of a row take their column default
    (or NULL). Elsewhere the statement runs through SQLAlchemy Core.
    """

    def __init__(self, stmt: Insert | Update, columns: Sequence[str]) -> None:
        table = cast(Table, stmt.table)
        # Core would compute the Python-side defaults (INSERT) or onupdate values (UPDATE) of
        # the columns a statement leaves out; here they become bound columns filled per row.
        generated = {
            column.name: column.onupdate if isinstance(stmt, Update) else column.default
            for column in table.c
            if (column.onupdate if isinstance(stmt, Update) else column.default) is not None
        }
        if not columns:  # a statement with its VALUES already written (e.g. an upsert)
            generated = {}
        self.columns = (*columns, *(name for name in generated if name not in columns))
        # bind names other than the column names: those are reserved in VALUES and SET
        if self.columns:
            stmt = stmt.values({name: bindparam(f"v_{name}") for name in self.columns})
        self.stmt = stmt
        self._defaults = {
            name: generated.get(name, table.c[name].default if isinstance(stmt, Insert) else None)
            for name in self.columns
        }
        self._plans: dict[str, _Plan] = {}

    def _row(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """Bind values of one row: columns as `v_<name>`, defaults filled, other binds as given."""
        row = {f"v_{key}" if key in self.columns else key: value for key, value in given.items()}
        for name, default in self._defaults.items():
            if f"v_{name}" not in row:
                arg = default.arg if default is not None else None  # type: ignore[attr-defined]
                row[f"v_{name}"] = arg(None) if callable(arg) else arg
        return row

    def write(self, **row: Any) -> Write:
        """This statement with one row, to run together with others (`write_all`)."""
        return Write(self, row)

    async def rows(
        self, session: AsyncSession, rows: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """Run once per row (one round trip for all); the RETURNING rows come back in order."""
        if not rows:
            return []
        conn, adapter = await bound(session)
        values = [self._row(row) for row in rows]
        if conn.dialect.name != "postgresql":
            result = await conn.execute(self.stmt, values)
            return [dict(row) for row in result.mappings()] if result.returns_rows else []
        plan = await self._plan(conn.dialect, adapter.driver_connection)
        args = [_args(plan, row) for row in values]
        try:
            await _begun(adapter)  # the session's BEGIN, as its own cursor would send it
            if len(args) == 1:
                records = await adapter.driver_connection.fetch(plan.sql, *args[0])
            else:
                records = await adapter.driver_connection.fetchmany(plan.sql, args)
        except Exception as error:
            raise _translated(conn.dialect, adapter, plan.sql, error) from error
        return _rows(plan, records)

    async def one(self, session: AsyncSession, **row: Any) -> dict[str, Any] | None:
        found = await self.rows(session, [row])
        return found[0] if found else None

    async def _plan(self, dialect: Dialect, driver: Any) -> _Plan:
        plan = self._plans.get("postgresql")
        if plan is None:
            compiled = self.stmt.compile(dialect=dialect)
            plan = self._plans["postgresql"] = await _plan_of(compiled, dialect, driver)
        return plan


def _args(plan: _Plan, row: Mapping[str, Any]) -> list[Any]:
    """The positional arguments of one row, bind processors applied."""
    literals = {  # values written into the statement itself (`value=1`, `x + 1`)
        name: bind.effective_value
        for name, bind in plan.compiled.binds.items()
        if not bind.required
    }
    merged = {**literals, **row}
    return [proc(merged[name]) if proc else merged[name] for name, proc in plan.params]


@dataclass(frozen=True, slots=True)
class Write:
    """One row for a `PreparedWrite`, to be run with other writes by `write_all`."""

    statement: PreparedWrite
    row: Mapping[str, Any]


# Combined statements by the sequence of their parts; None: these parts cannot be combined.
_COMBINED: dict[tuple[Any, ...], str | None] = {}
_PLACEHOLDER = re.compile(r"\$(\d+)")


async def write_all(
    session: AsyncSession,
    writes: Sequence[Write],
    *,
    source: Write | None = None,
    marks: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """Run independent writes (no RETURNING used, none reads another's rows) in order.

    On PostgreSQL they go in one round trip, as data-modifying CTEs of one statement
    (`WITH w0 AS (UPDATE …), w1 AS (INSERT …) INSERT …`): all of them see the snapshot taken
    before the statement, and constraints are checked at its end. Each round trip spent while
    a use case holds a row lock (an order number's counter) makes every other writer wait.

    With a `source` (a write RETURNING one row) that write runs first, and in every text value
    of the other writes each mark (a key of `marks`, text that occurs nowhere by chance) is
    replaced by the source row's column `marks[mark]`; the source row comes back. On
    PostgreSQL that is still one statement: the source is its first CTE and the replacements
    `replace()` calls on it, so a lock the source takes is held from that statement to the
    commit, with no round trip between.
    """
    conn, adapter = await bound(session)
    marks = marks or {}
    if conn.dialect.name == "postgresql" and (len(writes) > 1 or source is not None):
        plans = [await w.statement._plan(conn.dialect, adapter.driver_connection) for w in writes]
        args = [_args(plan, w.statement._row(w.row)) for w, plan in zip(writes, plans, strict=True)]
        if source is None:
            key = tuple(id(w.statement) for w in writes)
            if key not in _COMBINED:
                _COMBINED[key] = _combined([plan.sql for plan in plans])
            if (sql := _COMBINED[key]) is not None:
                await _execute(conn.dialect, adapter, sql, [a for part in args for a in part])
                return None
        else:
            found = await _sourced(conn.dialect, adapter, source, writes, plans, args, marks)
            if found is not None:
                return found[0]
    found_row = None
    if source is not None:
        found_row = (await source.statement.rows(session, [source.row]))[0]
        replacements = {mark: str(found_row[column]) for mark, column in marks.items()}
        writes = [Write(w.statement, _replaced(w.row, replacements)) for w in writes]
    for write in writes:
        await write.statement.rows(session, [write.row])
    return found_row


async def _execute(dialect: Dialect, adapter: Any, sql: str, args: Sequence[Any]) -> list[Any]:
    try:
        await _begun(adapter)
        return list(await adapter.driver_connection.fetch(sql, *args))
    except Exception as error:
        raise _translated(dialect, adapter, sql, error) from error


async def _sourced(
    dialect: Dialect,
    adapter: Any,
    source: Write,
    writes: Sequence[Write],
    plans: Sequence[_Plan],
    args: Sequence[list[Any]],
    marks: Mapping[str, str],
) -> list[dict[str, Any]] | None:
    """`write_all` with a source as one statement; None if these parts cannot be combined."""
    source_plan = await source.statement._plan(dialect, adapter.driver_connection)
    # which arguments hold which marks: part of the statement's text, so of its cache key
    held = tuple(
        tuple(tuple(mark for mark in marks if isinstance(a, str) and mark in a) for a in part)
        for part in args
    )
    key = (id(source.statement), *(id(w.statement) for w in writes), tuple(marks.values()), held)
    if key not in _COMBINED:
        _COMBINED[key] = _sourced_sql(source_plan.sql, [p.sql for p in plans], held, marks)
    sql = _COMBINED[key]
    if sql is None:
        return None
    source_args = _args(source_plan, source.statement._row(source.row))
    flat = [*source_args, *(a for part in args for a in part), *marks]
    return _rows(source_plan, await _execute(dialect, adapter, sql, flat))


def _sourced_sql(
    source: str,
    statements: Sequence[str],
    held: Sequence[Sequence[Sequence[str]]],
    marks: Mapping[str, str],
) -> str | None:
    parts = _renumbered([source, *statements])
    if parts is None:
        return None
    first_mark = sum(_count(sql) for sql in [source, *statements]) + 1
    mark_param = {mark: f"${first_mark + i}::TEXT" for i, mark in enumerate(marks)}
    offset = _count(source)
    for i, (sql, part) in enumerate(zip(statements, held, strict=True)):
        text = parts[i + 1]
        for j, present in enumerate(part):
            if present:
                expr = f"${offset + j + 1}::TEXT"
                for mark in present:
                    expr = f"replace({expr}, {mark_param[mark]}, (SELECT {marks[mark]} FROM s))"
                text = re.sub(rf"\${offset + j + 1}(?!\d)", expr.replace("\\", "\\\\"), text)
        parts[i + 1] = text
        offset += _count(sql)
    ctes = "".join(f", w{i} AS ({sql})" for i, sql in enumerate(parts[1:]))
    return f"WITH s AS ({parts[0]}){ctes} SELECT * FROM s"


def _replaced(value: Any, replacements: Mapping[str, str]) -> Any:
    """`value` with every mark in its text (in dicts and lists too) replaced."""
    if isinstance(value, str):
        for mark, text in replacements.items():
            value = value.replace(mark, text)
        return value
    if isinstance(value, Mapping):
        return {key: _replaced(item, replacements) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_replaced(item, replacements) for item in value)
    return value


def _count(sql: str) -> int:
    return max((int(n) for n in _PLACEHOLDER.findall(sql)), default=0)


def _renumbered(statements: Sequence[str]) -> list[str] | None:
    """The statements with their `$n` placeholders numbered on; None if unsafe to do."""
    if any("'" in sql or "$$" in sql for sql in statements):
        return None  # a literal could hold a `$n` that is not a placeholder
    parts, offset = [], 0
    for sql in statements:

        def shifted(match: re.Match[str], by: int = offset) -> str:
            return f"${int(match.group(1)) + by}"

        parts.append(_PLACEHOLDER.sub(shifted, sql))
        offset += _count(sql)
    return parts


def _combined(statements: Sequence[str]) -> str | None:
    """One statement of several, their `$n` placeholders renumbered; None if unsafe to do."""
    parts = _renumbered(statements)
    if parts is None:
        return None
    *ctes, last = parts
    return "WITH " + ", ".join(f"w{i} AS ({sql})" for i, sql in enumerate(ctes)) + " " + last


def _translated(dialect: Dialect, adapter: Any, sql: str, error: Exception) -> Exception:
    """A driver error as SQLAlchemy raises it (IntegrityError for a unique violation …)."""
    try:
        adapter._handle_exception(error)  # raises the DBAPI-level error for this driver error
    except Exception as dbapi_error:
        return DBAPIError.instance(sql, None, dbapi_error, dialect.loaded_dbapi.Error)
    return error
