"""Engine and session factories; SQLite gets WAL, foreign keys and explicit BEGIN."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, SessionTransaction

from orderdesk.settings import Settings

SQLITE_BUSY_TIMEOUT_MS = 30_000


def create_engine(settings: Settings, *, url: str | None = None) -> AsyncEngine:
    """Build the async engine for the configured database."""
    url = url or settings.effective_database_url
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    return create_async_engine(
        url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        pool_pre_ping=False,
        pool_timeout=30,
        json_serializer=_json_dumps,
        json_deserializer=_json_loads,
    )


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _json_loads(value: Any) -> Any:
    # SQLite's numeric affinity hands back JSON scalars such as 150 as numbers, not text.
    return orjson.loads(value) if isinstance(value, str | bytes) else value


def _sqlite_engine(url: str, *, writer: bool = False) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_async_engine(
        url,
        # SQLite has one writer at a time. Writers queue for the single write connection
        # in asyncio (first come, first served) instead of polling the file lock, whose
        # busy handler sleeps up to 100 ms between tries.
        pool_size=1 if writer else 10,
        max_overflow=0 if writer else 20,
        pool_timeout=SQLITE_BUSY_TIMEOUT_MS / 1000,
        json_serializer=_json_dumps,
        json_deserializer=_json_loads,
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN is ours to emit.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front: a deferred transaction that upgrades to a write
        # after another writer committed fails at once instead of waiting (SQLITE_BUSY).
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def session_factories(
    engine: AsyncEngine,
) -> tuple[async_sessionmaker[AsyncSession], async_sessionmaker[AsyncSession]]:
    """Return (read, write) session factories.

    On SQLite writes begin IMMEDIATE. On PostgreSQL reads run in autocommit: a GET does not
    pay a BEGIN and a ROLLBACK round trip (each statement still sees a consistent snapshot).
    """
    if engine.dialect.name == "sqlite":
        writer = _sqlite_engine(engine.url.render_as_string(hide_password=False), writer=True)
        read_engine, write_engine = engine, writer.execution_options(sqlite_begin="IMMEDIATE")
    else:
        read_engine, write_engine = engine.execution_options(isolation_level="AUTOCOMMIT"), engine
    read = async_sessionmaker(read_engine, expire_on_commit=False, autoflush=False)
    write = async_sessionmaker(write_engine, expire_on_commit=False, autoflush=False)
    return read, write


ON_COMMIT = "orderdesk.on_commit"


def on_commit(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's current transaction commits (dropped on rollback)."""
    session.info.setdefault(ON_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_on_commit(session: Session) -> None:
    for callback in session.info.pop(ON_COMMIT, ()):
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_on_commit(session: Session) -> None:
    session.info.pop(ON_COMMIT, None)


ON_END = "orderdesk.on_end"


def on_end(session: AsyncSession, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's current transaction ends: committed, rolled back or
    closed."""
    session.info.setdefault(ON_END, []).append(callback)


@event.listens_for(Session, "after_transaction_end")
def _run_on_end(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        for callback in session.info.pop(ON_END, ()):
            callback()
