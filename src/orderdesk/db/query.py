"""Read helpers for hot paths: run a Core select on the session's connection, get dicts.

On PostgreSQL a select is compiled once per shape (SQLAlchemy's cache key, so the same
query with other values reuses the plan) and run straight on the asyncpg connection the
session holds, with SQLAlchemy's own bind and result processors applied: no execution
context, cursor wrapper or Row objects per request (see ADR 0004). Elsewhere, and for what
the plan cannot carry (expanding IN lists, FOR UPDATE), it runs through SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Executable, Select
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


async def fetch_all(
    session: AsyncSession, stmt: Executable, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    conn = await session.connection()
    if conn.dialect.name == "postgresql" and isinstance(stmt, Select):
        rows = await _fetch_planned(conn, stmt, params)
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
    conn: AsyncConnection, stmt: Select[Any], params: Mapping[str, Any] | None
) -> list[dict[str, Any]] | None:
    """The rows via a cached plan, or None when this statement's shape has no plan."""
    if stmt._for_update_arg is not None:  # must run inside SQLAlchemy's transaction
        return None
    key = stmt._generate_cache_key()
    if key is None:
        return None
    driver = (await conn.get_raw_connection()).driver_connection
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
    records = await driver.fetch(plan.sql, *args)
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
    conn = await session.connection()
    if conn.dialect.name != "postgresql":
        return
    adapter = (await conn.get_raw_connection()).dbapi_connection
    if getattr(adapter, "_transaction", True) is None:
        await adapter._start_transaction()  # type: ignore[union-attr]


class Prepared:
    """A read statement of a hot path with named bind parameters, built once at import.

    On PostgreSQL it is compiled once and run straight on the asyncpg connection (the same
    connection and transaction the session uses); elsewhere it runs through SQLAlchemy Core.
    """

    def __init__(self, stmt: Select[*tuple[Any, ...]]) -> None:
        self.stmt = stmt
        self._plans: dict[str, _Plan] = {}

    async def all(self, session: AsyncSession, **params: Any) -> list[dict[str, Any]]:
        conn = await session.connection()
        if conn.dialect.name != "postgresql":
            result = await conn.execute(self.stmt, params)
            return [dict(row) for row in result.mappings()]
        driver = (await conn.get_raw_connection()).driver_connection
        plan = self._plans.get(conn.dialect.name)
        if plan is None:
            compiled = self.stmt.compile(dialect=conn.dialect)
            plan = self._plans[conn.dialect.name] = await _plan_of(compiled, conn.dialect, driver)
        return await _run(plan, driver, params)

    async def one(self, session: AsyncSession, **params: Any) -> dict[str, Any] | None:
        rows = await self.all(session, **params)
        return rows[0] if rows else None
