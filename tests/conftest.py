"""Test fixtures: a real database (SQLite file or PostgreSQL) built by Alembic, emptied per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from orderdesk.app import create_app
from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.core.pagination import search_text
from orderdesk.db import migrate
from orderdesk.db.models import Base
from orderdesk.settings import Settings

PASSWORD = "Correct-Horse-42"  # noqa: S105
PG_URL = os.environ.get("ORDERDESK_TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("ORDERDESK_TEST_REDIS_URL") or None
# One Redis key namespace per test session: parallel runs on one Redis never see each other.
REDIS_NAMESPACE = f"test-{uuid.uuid4().hex[:12]}"
# Redis pub/sub channels are server-wide (not per database): one channel per test session.
TEST_CHANNEL = f"orderdesk-test-{uuid.uuid4().hex[:10]}:events"


async def _create_pg_database(url: str) -> str:
    import asyncpg

    name = f"orderdesk_test_{uuid.uuid4().hex[:10]}"
    parsed = make_url(url)
    admin = await asyncpg.connect(
        user=parsed.username or "postgres",
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        database="postgres",
        password=parsed.password,
    )
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    return parsed.set(database=name).render_as_string(hide_password=False)


async def _drop_pg_database(url: str) -> None:
    import asyncpg

    parsed = make_url(url)
    admin = await asyncpg.connect(
        user=parsed.username or "postgres",
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        database="postgres",
        password=parsed.password,
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """A new, empty database for this test session."""
    if PG_URL:
        url = await _create_pg_database(PG_URL)
        yield url
        await _drop_pg_database(url)
    else:
        path = Path(tmp_path_factory.mktemp("db")) / "orderdesk.db"
        yield f"sqlite+aiosqlite:///{path}"


def make_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "secret_keys": ["test-secret-key-that-is-long-enough-0123456789"],
        "argon2_time_cost": 1,
        "argon2_memory_cost_kib": 64,
        "log_level": "WARNING",
        "gc_freeze_on_startup": False,  # many apps per test process: frozen cycles would pile up
        "redis_url": REDIS_URL,
        "redis_namespace": REDIS_NAMESPACE,
        "jobs_heartbeat_seconds": 0.2,
        "jobs_stale_after_seconds": 2,
        "jobs_sweep_interval_seconds": 0.2,
        "realtime_channel": TEST_CHANNEL,
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
async def container(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Container]:
    files_dir = tmp_path_factory.mktemp("files")
    built = Container.build(make_settings(database_url, files_dir=files_dir))
    await migrate.upgrade(built.engine)
    yield built
    await built.backends.reset()
    await built.close()


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Empty every table before a test that touches the database."""
    if "container" not in request.fixturenames:
        yield
        return
    built: Container = request.getfixturevalue("container")
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with built.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            # Self-references (categories.parent_id) would block row-by-row deletes.
            await conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))
            await conn.execute(text("DELETE FROM sqlite_sequence")) if await _has_seq(
                conn
            ) else None
    await built.backends.reset()
    yield


async def _has_seq(conn: Any) -> bool:
    result = await conn.execute(
        text("SELECT name FROM sqlite_master WHERE type='table' AND name='sqlite_sequence'")
    )
    return result.first() is not None


@pytest.fixture
async def app(container: Container) -> Any:
    return create_app(container=container)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


UserFactory = Callable[..., Awaitable[User]]


@pytest.fixture
def make_user(container: Container) -> UserFactory:
    """Insert a user directly: make_user("staff", unit_id=1, username="ivan")."""
    counter = iter(range(1, 1_000_000))

    async def factory(role: str = "customer", **fields: Any) -> User:
        n = next(counter)
        fields.setdefault("username", f"{role}{n}")
        fields.setdefault("display_name", f"{role.title()} {n}")
        fields.setdefault("status", "active")
        password = fields.pop("password", PASSWORD)
        user = User(role=role, password_hash=container.passwords.hash(password), **fields)
        user.search_text = search_text(user.username, user.display_name)
        async with container.write_sessions() as session:
            session.add(user)
            await session.commit()
        return user

    return factory


LoginFactory = Callable[..., Awaitable[dict[str, str]]]


@pytest.fixture
def login(client: httpx.AsyncClient) -> LoginFactory:
    """Log a user in through the API and return Authorization headers."""

    async def do(user: User | str, password: str = PASSWORD) -> dict[str, str]:
        username = user if isinstance(user, str) else user.username
        response = await client.post(
            "/api/v1/auth/login", json={"username": username, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['access_token']}"}

    return do


@pytest.fixture
async def admin_headers(make_user: UserFactory, login: LoginFactory) -> dict[str, str]:
    return await login(await make_user("admin", username="admin"))
