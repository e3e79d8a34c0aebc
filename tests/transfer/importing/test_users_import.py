"""Customers: created with the customer role and no password; upsert by email."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from orderdesk.audit.models import FieldChange
from orderdesk.auth.models import User
from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.transfer.importing.helpers import import_rows

pytestmark = pytest.mark.usefixtures("worker")
HEADER = ["ФИО", "Эл. почта", "Телефон", "Язык"]


async def customers(container: Container) -> dict[str, User]:
    async with container.read_sessions() as session:
        users = (await session.scalars(select(User).where(User.role == "customer"))).all()
    return {user.email or "": user for user in users}


async def test_customers_are_created_without_a_password(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    rows = [HEADER, ["Иванов Иван", "ivan@example.com", "+79990001122", "русский"]]

    done = await import_rows(client, container, admin_headers, rows, target="users")

    assert done["counts"]["created"] == 1, (done["error"], done["report"])
    ivan = (await customers(container))["ivan@example.com"]
    assert ivan.display_name == "Иванов Иван"
    assert ivan.password_hash is None
    assert ivan.locale == "ru"
    assert ivan.status == "active"


async def test_upsert_by_email_updates_customers_but_never_staff(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    make_user: UserFactory,
) -> None:
    customer = await make_user("customer", email="anna@example.com", display_name="Анна")
    await make_user("staff", email="boss@example.com")
    rows = [
        HEADER,
        ["Анна Петрова", "anna@example.com", "", "en"],
        ["Начальник", "boss@example.com", "", ""],
        ["Олег", "oleg@example.com", "", ""],
    ]

    done = await import_rows(
        client, container, admin_headers, rows,
        target="users", mode="upsert", key="email", partial=True,
    )  # fmt: skip

    assert (done["counts"]["created"], done["counts"]["updated"], done["counts"]["rejected"]) == (
        1, 1, 1,
    )  # fmt: skip
    assert done["report"]["first"][0]["value"] == "boss@example.com"
    found = await customers(container)
    assert found["anna@example.com"].display_name == "Анна Петрова"
    assert found["anna@example.com"].locale == "en"
    async with container.read_sessions() as session:
        changes = (
            await session.scalars(select(FieldChange).where(FieldChange.entity_id == customer.id))
        ).all()
    assert {(c.field, c.new_value) for c in changes} == {
        ("display_name", "Анна Петрова"),
        ("locale", "en"),
    }


async def test_a_manager_cannot_import_users(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    manager = await login(await make_user("manager"))

    response = await client.post(
        "/api/v1/imports",
        files={"file": ("u.csv", b"Name\nX\n", "text/csv")},
        headers=manager,
    )
    preview = await client.post(
        f"/api/v1/imports/{response.json()['id']}/preview",
        json={"target": "users"},
        headers=manager,
    )

    assert response.status_code == 201
    assert preview.status_code == 403


async def test_a_unique_clash_outside_the_key_fails_the_import_clearly_and_commits_nothing(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    make_user: UserFactory,
) -> None:
    await make_user("customer", username="taken", email="first@example.com")
    rows = [
        ["Логин", "ФИО", "Эл. почта"],
        ["free", "Пётр", "p@example.com"],
        ["taken", "Оля", "o@example.com"],
    ]

    done = await import_rows(client, container, admin_headers, rows, target="users", key="email")

    assert done["status"] == "failed"
    assert done["error"]
    assert "unique" in done["error"].lower() or "duplicate" in done["error"].lower()
    assert set(await customers(container)) == {"first@example.com"}
