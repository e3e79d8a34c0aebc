"""Set-based writes for imports: COPY on PostgreSQL, driver executemany on SQLite.

Never row-by-row ORM: values go through each column's SQLAlchemy bind processor once (so
Money, UTC timestamps and JSON are stored exactly as the ORM would store them), then to the
driver in one call per chunk, inside the job's transaction.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, ColumnElement, Table, any_, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.types import TypeEngine

from orderdesk.db.types import Money, UTCDateTime

Processor = Callable[[Any], Any] | None
_STAGE_SEQ = itertools.count(1)
_MISSING = object()


def _processors(table: Table, columns: Sequence[str], dialect: Dialect) -> list[Processor]:
    return [_processor(table.c[name].type, dialect) for name in columns]


def _processor(column_type: TypeEngine[Any], dialect: Dialect) -> Processor:
    """The column's bind processor, skipped for values it would pass on unchanged.

    On PostgreSQL a Decimal for Money, an aware UTC datetime and a bool go to asyncpg as they
    are (the processors would copy them: `Decimal(v)`, `v.astimezone(UTC)`); an empty JSON
    object is serialised once per call. Any other value still goes through the processor.
    """
    process = column_type._cached_bind_processor(dialect)
    if process is None:
        return None
    if isinstance(column_type, JSON):
        empty = process({})
        return lambda value: empty if type(value) is dict and not value else process(value)
    if dialect.name == "sqlite":
        return _sqlite_processor(column_type, dialect, process)
    if dialect.name != "postgresql":
        return process
    if isinstance(column_type, Money):
        return lambda value: value if type(value) is Decimal else process(value)
    if isinstance(column_type, UTCDateTime):
        return lambda value: value if value.tzinfo is UTC else process(value)
    if isinstance(column_type, Boolean):
        return lambda value: value if type(value) is bool else process(value)
    return process


def _records(
    rows: Iterable[Sequence[Any]], processors: list[Processor], *, memo: bool
) -> list[tuple[Any, ...]]:
    """Rows with each value through its column's bind processor.

    With `memo`, each distinct value of a column goes through it once per call: a chunk
    repeats most values (its timestamp, statuses, quantities, prices). That pays on SQLite,
    whose processors format timestamps and scale decimals in Python (measured: 35-40 % less
    time per row); PostgreSQL's are cheap enough that the lookups cost more than they save.
    Unhashable values (JSON) always go through.
    """
    active = [(i, p, dict[Any, Any]()) for i, p in enumerate(processors) if p is not None]
    if not active:
        return [tuple(row) for row in rows]
    out = []
    for row in rows:
        values = list(row)
        for index, process, seen in active:
            value = values[index]
            if value is None:
                continue
            if not memo:
                values[index] = process(value)
                continue
            try:
                done = seen.get(value, _MISSING)
            except TypeError:
                values[index] = process(value)
                continue
            if done is _MISSING:
                done = seen[value] = process(value)
            values[index] = done
        out.append(tuple(values))
    return out


def _is_sqlite(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "sqlite"


_PROBE = datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=UTC)


def _sqlite_processor(
    column_type: TypeEngine[Any], dialect: Dialect, process: Callable[[Any], Any]
) -> Callable[[Any], Any]:
    """SQLite: Money scaled without the TypeDecorator round trip when exact, UTC timestamps
    formatted by `isoformat` when that is exactly the column's text form (checked here)."""
    if isinstance(column_type, Money):

        def money(value: Any) -> Any:
            if type(value) is Decimal:
                scaled = value.scaleb(4)
                if scaled == scaled.to_integral_value():
                    return int(scaled)  # exact: no rounding to do
            return process(value)

        return money
    if isinstance(column_type, UTCDateTime):
        if process(_PROBE) != _PROBE.replace(tzinfo=None).isoformat(" ", "microseconds"):
            return process
        return lambda value: (
            value.replace(tzinfo=None).isoformat(" ", "microseconds")
            if value.tzinfo is UTC
            else process(value)
        )
    return process


async def _driver(conn: AsyncConnection) -> Any:
    """The asyncpg connection under the session's connection (same transaction)."""
    return (await conn.get_raw_connection()).driver_connection


def _quote(conn: AsyncConnection, name: str) -> str:
    return conn.dialect.identifier_preparer.quote(name)


async def insert_rows(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert rows (tuples in `columns` order) in one driver call."""
    if not rows:
        return
    conn = await session.connection()
    records = _records(rows, _processors(table, columns, conn.dialect), memo=_is_sqlite(conn))
    if conn.dialect.name == "postgresql":
        driver = await _driver(conn)
        await driver.copy_records_to_table(table.name, records=records, columns=list(columns))
        return
    names = ", ".join(_quote(conn, c) for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {_quote(conn, table.name)} ({names}) VALUES ({marks})"  # noqa: S608
    await conn.exec_driver_sql(sql, records)


async def update_rows(
    session: AsyncSession, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Update rows by id: each row is (id, *values of `columns`)."""
    if not rows:
        return
    conn = await session.connection()
    all_columns = ["id", *columns]
    records = _records(rows, _processors(table, all_columns, conn.dialect), memo=_is_sqlite(conn))
    target = _quote(conn, table.name)
    if conn.dialect.name == "postgresql":
        await _pg_update(conn, table, target, all_columns, records)
        return
    sets = ", ".join(f"{_quote(conn, c)} = ?" for c in columns)
    sql = f"UPDATE {target} SET {sets} WHERE id = ?"  # noqa: S608
    await conn.exec_driver_sql(sql, [(*r[1:], r[0]) for r in records])


async def _pg_update(
    conn: AsyncConnection,
    table: Table,
    target: str,
    columns: list[str],
    records: list[tuple[Any, ...]],
) -> None:
    """COPY the new values into a temporary stage, then one UPDATE … FROM stage."""
    driver = await _driver(conn)
    stage = f"_import_stage_{table.name}_{next(_STAGE_SEQ)}"
    names = ", ".join(_quote(conn, c) for c in columns)
    await driver.execute(
        f"CREATE TEMP TABLE {stage} ON COMMIT DROP AS "  # noqa: S608
        f"SELECT {names} FROM {target} WITH NO DATA"
    )
    await driver.copy_records_to_table(stage, records=records, columns=columns)
    sets = ", ".join(f"{_quote(conn, c)} = s.{_quote(conn, c)}" for c in columns[1:])
    await driver.execute(f"UPDATE {target} t SET {sets} FROM {stage} s WHERE t.id = s.id")  # noqa: S608
    await driver.execute(f"DROP TABLE {stage}")


async def allocate_ids(session: AsyncSession, table: Table, count: int) -> list[int]:
    """Reserve `count` primary keys for rows inserted with explicit ids (parents of lines)."""
    if count <= 0:
        return []
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        # The sequence is looked up once, not per id; plain ints need no SQLAlchemy row handling.
        driver = await _driver(conn)
        rows = await driver.fetch(
            "SELECT nextval(q.s) FROM (SELECT pg_get_serial_sequence($1, 'id')::regclass AS s) q,"
            " generate_series(1, $2)",
            table.name,
            count,
        )
        return [row[0] for row in rows]
    # SQLite: the job's transaction holds the database's only write lock, so max(id) is ours.
    top = await conn.scalar(text(f"SELECT COALESCE(MAX(id), 0) FROM {_quote(conn, table.name)}"))  # noqa: S608
    return list(range(int(top or 0) + 1, int(top or 0) + 1 + count))


def one_of(column: ColumnElement[Any], dialect: str, name: str) -> ColumnElement[bool]:
    """`column IN (:name…)`; on PostgreSQL `= ANY(:name)` with one array parameter.

    An expanding IN of thousands of keys costs SQLAlchemy more (one bind per key, compiled
    per execution) than the query costs the database.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


async def fetch_by_keys(
    session: AsyncSession,
    table: Table,
    key: str,
    keys: Sequence[Any],
    columns: Sequence[str],
    *where: Any,
    lock: bool = True,
) -> dict[Any, dict[str, Any]]:
    """Existing rows whose `key` is one of `keys`, by key, locked for update on PostgreSQL."""
    if not keys:
        return {}
    conn = await session.connection()
    cols = [table.c[name] for name in dict.fromkeys(["id", key, *columns])]
    found: dict[Any, dict[str, Any]] = {}
    # PostgreSQL takes the keys as one array parameter; SQLite caps bound parameters (32766).
    step = len(keys) if conn.dialect.name == "postgresql" else 5_000
    for start in range(0, len(keys), step):
        part = list(keys[start : start + step])
        stmt = select(*cols).where(one_of(table.c[key], conn.dialect.name, "keys"), *where)
        if lock and conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        result = await conn.execute(stmt, {"keys": part})
        names = list(result.keys())  # zip with plain rows: no mapping view built per row
        at = names.index(key)
        for row in result:
            found[row[at]] = dict(zip(names, row, strict=True))
    return found
