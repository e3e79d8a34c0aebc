"""Portable column types and SQLite connection settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, func, insert, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from orderdesk.db import migrate
from orderdesk.db.engine import create_engine
from orderdesk.db.types import Money, UTCDateTime
from tests.conftest import make_settings

probe = Table(
    "type_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("amount", Money),
    Column("at", UTCDateTime),
)
MOSCOW = timezone(timedelta(hours=3))


@pytest.fixture
async def probe_engine(fresh_engine: AsyncEngine) -> AsyncEngine:
    async with fresh_engine.begin() as conn:
        await conn.run_sync(probe.metadata.create_all)
    return fresh_engine


async def store_amounts(engine: AsyncEngine, *amounts: Decimal) -> list[Decimal]:
    async with engine.begin() as conn:
        await conn.execute(insert(probe), [{"amount": amount} for amount in amounts])
        rows = await conn.execute(select(probe.c.amount).order_by(probe.c.id))
        return [row.amount for row in rows]


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("0"),
        Decimal("0.0001"),
        Decimal("0.1"),
        Decimal("150.00"),
        Decimal("-42.5"),
        Decimal("99999999999999.9999"),
        Decimal("-99999999999999.9999"),
    ],
)
async def test_money_round_trips_exactly(probe_engine: AsyncEngine, amount: Decimal) -> None:
    [stored] = await store_amounts(probe_engine, amount)
    assert isinstance(stored, Decimal)
    assert stored == amount


async def test_money_sums_and_sorts_exactly(probe_engine: AsyncEngine) -> None:
    await store_amounts(probe_engine, Decimal("0.1"), Decimal("0.2"), Decimal("-5"))
    async with probe_engine.connect() as conn:
        total = (await conn.execute(select(func.sum(probe.c.amount)))).scalar_one()
        ordered = (await conn.execute(select(probe.c.amount).order_by(probe.c.amount))).scalars()
        assert [*ordered] == [Decimal("-5"), Decimal("0.1"), Decimal("0.2")]
    assert Decimal(total) == Decimal("-4.7")


async def test_money_rounds_extra_places_half_up_on_every_database(
    probe_engine: AsyncEngine,
) -> None:
    stored = await store_amounts(
        probe_engine,
        Decimal("0.00005"),
        Decimal("0.00015"),
        Decimal("-0.00005"),
        Decimal("1.23444"),
    )
    assert stored == [Decimal("0.0001"), Decimal("0.0002"), Decimal("-0.0001"), Decimal("1.2344")]


async def test_money_keeps_null(probe_engine: AsyncEngine) -> None:
    async with probe_engine.begin() as conn:
        await conn.execute(insert(probe).values(amount=None))
        assert (await conn.execute(select(probe.c.amount))).scalar_one() is None


async def test_utc_datetime_comes_back_aware_in_utc(probe_engine: AsyncEngine) -> None:
    moscow_noon = datetime(2025, 6, 1, 12, 0, 0, 123456, tzinfo=MOSCOW)
    async with probe_engine.begin() as conn:
        await conn.execute(insert(probe).values(at=moscow_noon))
        stored = (await conn.execute(select(probe.c.at))).scalar_one()
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == moscow_noon
    assert stored.hour == 9
    assert stored.microsecond == 123456


async def test_utc_datetime_sorts_by_instant_whatever_the_offset(
    probe_engine: AsyncEngine,
) -> None:
    early = datetime(2025, 6, 1, 10, 0, tzinfo=MOSCOW)  # 07:00 UTC
    late = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
    async with probe_engine.begin() as conn:
        await conn.execute(insert(probe), [{"id": 1, "at": late}, {"id": 2, "at": early}])
        ids = (await conn.execute(select(probe.c.id).order_by(probe.c.at))).scalars().all()
        later = select(probe.c.id).where(probe.c.at > datetime(2025, 6, 1, 7, 30, tzinfo=UTC))
        assert (await conn.execute(later)).scalars().all() == [1]
    assert ids == [2, 1]


async def test_utc_datetime_refuses_naive_values(probe_engine: AsyncEngine) -> None:
    async with probe_engine.begin() as conn:
        with pytest.raises(StatementError, match="naive datetime"):
            await conn.execute(insert(probe).values(at=datetime(2025, 6, 1, 12, 0)))  # noqa: DTZ001


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    # Always SQLite, also in the PostgreSQL run: these are SQLite's own connection settings.
    engine = create_engine(make_settings(f"sqlite+aiosqlite:///{tmp_path}/nested/dir/pragma.db"))
    yield engine
    await engine.dispose()


async def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(
    sqlite_engine: AsyncEngine,
) -> None:
    async with sqlite_engine.connect() as conn:
        journal = (await conn.execute(text("PRAGMA journal_mode"))).scalar_one()
        foreign_keys = (await conn.execute(text("PRAGMA foreign_keys"))).scalar_one()
        busy_timeout = (await conn.execute(text("PRAGMA busy_timeout"))).scalar_one()
    assert journal == "wal"
    assert foreign_keys == 1
    assert busy_timeout == 30_000


async def test_sqlite_enforces_foreign_keys(sqlite_engine: AsyncEngine) -> None:
    await migrate.upgrade(sqlite_engine)
    async with sqlite_engine.connect() as conn:
        with pytest.raises(IntegrityError):
            await conn.execute(
                text(
                    "INSERT INTO auth_sessions (user_id, created_at, expires_at, last_used_at) "
                    "VALUES (999, '2025-01-01', '2025-01-02', '2025-01-01')"
                )
            )
