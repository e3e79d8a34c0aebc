"""Migrations build the schema the models describe, undo it completely, and form one line."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from orderdesk.db import migrate
from orderdesk.db.models import Base

MODEL_TABLES = set(Base.metadata.tables)


async def table_names(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as conn:
        return set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))


async def schema_diff(engine: AsyncEngine) -> list[Any]:
    def compare(sync_conn: Connection) -> list[Any]:
        context = MigrationContext.configure(sync_conn, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    async with engine.connect() as conn:
        return await conn.run_sync(compare)


def test_there_is_exactly_one_migration_head() -> None:
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1
    assert migrate.head_revision() == heads[0]


def test_models_cover_the_domains() -> None:
    assert {"users", "auth_sessions", "refresh_tokens", "units", "audit_entries"} <= MODEL_TABLES
    assert "idempotency_records" in MODEL_TABLES


async def test_upgrade_from_empty_creates_every_model_table(fresh_engine: AsyncEngine) -> None:
    assert await migrate.current_revision(fresh_engine) is None
    assert not await migrate.is_at_head(fresh_engine)

    await migrate.upgrade(fresh_engine)

    assert await table_names(fresh_engine) == MODEL_TABLES | {"alembic_version"}
    assert await migrate.current_revision(fresh_engine) == migrate.head_revision()
    assert await migrate.is_at_head(fresh_engine)


async def test_models_and_migrations_agree(fresh_engine: AsyncEngine) -> None:
    await migrate.upgrade(fresh_engine)
    assert await schema_diff(fresh_engine) == []


async def test_downgrade_to_base_removes_everything_and_upgrade_rebuilds_it(
    fresh_engine: AsyncEngine,
) -> None:
    await migrate.upgrade(fresh_engine)

    await migrate.downgrade(fresh_engine, "base")

    assert await table_names(fresh_engine) == {"alembic_version"}
    assert await migrate.current_revision(fresh_engine) is None

    await migrate.upgrade(fresh_engine)

    assert await table_names(fresh_engine) == MODEL_TABLES | {"alembic_version"}
    assert await schema_diff(fresh_engine) == []


async def test_upgrade_twice_is_harmless(fresh_engine: AsyncEngine) -> None:
    await migrate.upgrade(fresh_engine)
    await migrate.upgrade(fresh_engine)
    assert await migrate.is_at_head(fresh_engine)
