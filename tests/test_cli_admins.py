"""FOK's admin commands: make-admin / remove-admin / list-admins, block by Telegram id, stats.

The commands run in-process through Typer's CliRunner against this session's database (SQLite
or PostgreSQL), in a worker thread because the CLI runs its own event loop.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from click.testing import Result
from sqlalchemy import select
from typer.testing import CliRunner

from orderdesk.audit.models import AuditEntry
from orderdesk.auth.models import User
from orderdesk.cli import app
from orderdesk.container import Container
from orderdesk.db.types import utcnow
from orderdesk.orders.models import Order
from tests.conftest import UserFactory
from tests.factories import free_line, make_order, make_order_type, set_created_at


async def run(database_url: str, *args: str) -> Result:
    env = {
        "ORDERDESK_DATABASE_URL": database_url,
        "ORDERDESK_REDIS_URL": "",
        "ORDERDESK_LOG_LEVEL": "WARNING",
        "ORDERDESK_ARGON2_TIME_COST": "1",
        "ORDERDESK_ARGON2_MEMORY_COST_KIB": "64",
        "COLUMNS": "200",
        "NO_COLOR": "1",
    }
    return await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


async def by_telegram(container: Container, telegram_id: int) -> User | None:
    async with container.read_sessions() as session:
        return (
            await session.execute(select(User).where(User.telegram_id == telegram_id))
        ).scalar_one_or_none()


async def actions(container: Container, entity_id: int) -> list[str]:
    async with container.read_sessions() as session:
        rows = await session.execute(
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == "user", AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.id)
        )
        return list(rows.scalars())


async def test_make_admin_creates_an_unknown_telegram_user_as_manager(
    container: Container, database_url: str
) -> None:
    output = ok(await run(database_url, "users", "make-admin", "700100"))
    assert "created: role=manager" in output
    user = await by_telegram(container, 700100)
    assert user is not None
    assert (user.role, user.status, user.password_hash) == ("manager", "active", None)
    assert await actions(container, user.id) == ["user.create"]


async def test_make_admin_super_promotes_an_existing_customer_to_admin(
    container: Container, database_url: str, make_user: UserFactory
) -> None:
    customer = await make_user("customer", telegram_id=700200)
    output = ok(await run(database_url, "users", "make-admin", "700200", "--super"))
    assert "updated: role=admin" in output
    user = await by_telegram(container, 700200)
    assert user is not None
    assert user.id == customer.id
    assert user.role == "admin"
    assert "user.update" in await actions(container, customer.id)


async def test_remove_admin_makes_them_a_customer_again(
    container: Container, database_url: str, make_user: UserFactory
) -> None:
    await make_user("admin", username="root")  # so the demoted one is not the last admin
    admin = await make_user("admin", telegram_id=700300)
    ok(await run(database_url, "users", "remove-admin", "700300"))
    user = await by_telegram(container, 700300)
    assert user is not None
    assert user.role == "customer"
    assert "user.update" in await actions(container, admin.id)


async def test_remove_admin_refuses_the_last_active_admin(
    container: Container, database_url: str, make_user: UserFactory
) -> None:
    await make_user("admin", telegram_id=700400)
    result = await run(database_url, "users", "remove-admin", "700400")
    assert result.exit_code == 1
    assert "last active administrator" in result.output
    user = await by_telegram(container, 700400)
    assert user is not None
    assert user.role == "admin"


async def test_remove_admin_of_an_unknown_telegram_id_fails_cleanly(database_url: str) -> None:
    result = await run(database_url, "users", "remove-admin", "123")
    assert result.exit_code == 1
    assert "not found" in result.output


async def test_list_admins_shows_admins_and_managers_only(
    database_url: str, make_user: UserFactory
) -> None:
    await make_user("admin", username="root", telegram_id=700500)
    await make_user("manager", username="olga")
    await make_user("customer", username="ivan")
    output = ok(await run(database_url, "users", "list-admins"))
    assert "root" in output
    assert "700500" in output
    assert "olga" in output
    assert "ivan" not in output


async def test_block_and_unblock_accept_a_telegram_id(
    container: Container, database_url: str, make_user: UserFactory
) -> None:
    await make_user("customer", telegram_id=700600)
    ok(await run(database_url, "users", "block", "700600"))
    user = await by_telegram(container, 700600)
    assert user is not None
    assert user.status == "blocked"
    ok(await run(database_url, "users", "unblock", "tg:700600"))
    user = await by_telegram(container, 700600)
    assert user is not None
    assert user.status == "active"


async def test_block_still_accepts_a_username(
    container: Container, database_url: str, make_user: UserFactory
) -> None:
    ivan = await make_user("customer", username="ivan")
    ok(await run(database_url, "users", "block", "ivan"))
    async with container.read_sessions() as session:
        assert (await session.get(User, ivan.id)).status == "blocked"  # type: ignore[union-attr]


async def test_digits_that_are_one_users_id_and_anothers_telegram_id_are_refused(
    container: Container, database_url: str, make_user: UserFactory
) -> None:
    first = await make_user("customer")
    second = await make_user("customer", telegram_id=first.id)
    result = await run(database_url, "users", "block", str(first.id))
    assert result.exit_code == 1
    assert f"tg:{first.id}" in result.output
    ok(await run(database_url, "users", "block", f"tg:{first.id}"))
    async with container.read_sessions() as session:
        assert (await session.get(User, second.id)).status == "blocked"  # type: ignore[union-attr]
        assert (await session.get(User, first.id)).status == "active"  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", ["0", "-5", "abc"])
async def test_make_admin_refuses_a_malformed_telegram_id(database_url: str, bad: str) -> None:
    result = await run(database_url, "users", "make-admin", bad)
    assert result.exit_code == 2


async def test_stats_prints_counts_revenue_and_top_items(
    container: Container, database_url: str
) -> None:
    await make_order_type(container)
    await make_order(container, lines=[free_line("Роза", "3", "150")])
    old = await make_order(container, lines=[free_line("Лилия", "1", "500")])
    await set_created_at(container, Order, old["id"], utcnow() - timedelta(days=10))

    data: dict[str, Any] = json.loads(ok(await run(database_url, "stats", "--json")))
    week, month = data["periods"][1], data["periods"][2]
    assert (week["key"], week["orders"]) == ("7d", 1)
    assert {cur: Decimal(v) for cur, v in week["revenue"].items()} == {"RUB": Decimal(450)}
    assert month["orders"] == 2
    assert [item["name"] for item in month["top_items"]] == ["Лилия", "Роза"]

    text = ok(await run(database_url, "stats", "--tz", "Europe/Moscow"))
    assert "30 days / 30 дней" in text
    assert "Роза" in text


async def test_stats_refuses_an_unknown_time_zone(database_url: str) -> None:
    result = await run(database_url, "stats", "--tz", "Mars/Olympus")
    assert result.exit_code == 2
