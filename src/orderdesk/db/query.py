"""Read helpers for hot paths: run a Core statement on the session's connection, get dicts.

Going through `Session.execute` adds the ORM's statement compilation even for plain column
selects; reads that return dicts skip it (see ADR 0004).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Executable, Select
from sqlalchemy.ext.asyncio import AsyncSession


async def fetch_all(
    session: AsyncSession, stmt: Executable, params: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    conn = await session.connection()
    result = await conn.execute(stmt, params)
    return [dict(row) for row in result.mappings()]


async def fetch_one(
    session: AsyncSession, stmt: Executable, params: Mapping[str, Any] | None = None
) -> dict[str, Any] | None:
    conn = await session.connection()
    row = (await conn.execute(stmt, params)).mappings().first()
    return dict(row) if row is not None else None


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    params: tuple[tuple[str, Callable[[Any], Any] | None], ...]
    columns: tuple[tuple[str, Callable[[Any], Any] | None], ...]


class Prepared:
    """A read statement of a hot path, built once at import.

    On PostgreSQL it is compiled once and run straight on the asyncpg connection (the same
    connection and transaction the session uses), with SQLAlchemy's own bind and result
    processors applied; elsewhere it runs through SQLAlchemy Core.
    """

    def __init__(self, stmt: Select[*tuple[Any, ...]]) -> None:
        self.stmt = stmt
        self._plans: dict[str, _Plan] = {}

    async def _plan(self, dialect: Dialect, driver: Any) -> _Plan:
        found = self._plans.get(dialect.name)
        if found is None:
            compiled = self.stmt.compile(dialect=dialect)
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
            found = self._plans[dialect.name] = _Plan(compiled.string, params, columns)
        return found

    async def all(self, session: AsyncSession, **params: Any) -> list[dict[str, Any]]:
        conn = await session.connection()
        if conn.dialect.name != "postgresql":
            return await fetch_all(session, self.stmt, params)
        driver = (await conn.get_raw_connection()).driver_connection
        plan = await self._plan(conn.dialect, driver)
        args = [proc(params[name]) if proc else params[name] for name, proc in plan.params]
        records = await driver.fetch(plan.sql, *args)  # type: ignore[union-attr]
        return [
            {
                key: proc(value) if proc else value
                for (key, proc), value in zip(plan.columns, rec, strict=True)
            }
            for rec in records
        ]

    async def one(self, session: AsyncSession, **params: Any) -> dict[str, Any] | None:
        rows = await self.all(session, **params)
        return rows[0] if rows else None
