"""A fresh, empty database per test, on the same kind of server as the test session."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from orderdesk.db.engine import create_engine
from tests.conftest import PG_URL, _create_pg_database, _drop_pg_database, make_settings


@pytest.fixture
async def fresh_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """An engine on a new database without any table (PostgreSQL when the suite runs on it)."""
    url = (
        await _create_pg_database(PG_URL) if PG_URL else f"sqlite+aiosqlite:///{tmp_path}/fresh.db"
    )
    engine = create_engine(make_settings(url))
    yield engine
    await engine.dispose()
    if PG_URL:
        await _drop_pg_database(url)
