"""An upsert changes an order's status only as the API would: a transition the role may take."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from orderdesk.container import Container
from orderdesk.orders.models import Order, OrderEvent
from tests.conftest import LoginFactory, UserFactory
from tests.factories import make_order_type
from tests.transfer.importing.helpers import import_rows

pytestmark = pytest.mark.usefixtures("worker")
HEADER = ["№ заказа", "Наименование", "Цена", "Статус", "Комментарий"]
EXISTING = [
    HEADER,
    ["A-1", "Доставка", "100", "pending", ""],
    ["A-2", "Доставка", "100", "accepted", ""],
    ["A-3", "Доставка", "100", "pending", ""],
    ["A-4", "Доставка", "100", "pending", ""],
    ["A-5", "Доставка", "100", "pending", ""],
    ["A-6", "Доставка", "100", "completed", ""],
]


async def statuses(container: Container) -> dict[str, str]:
    async with container.read_sessions() as session:
        rows = (await session.execute(select(Order.number, Order.status))).all()
    return {str(number): str(status) for number, status in rows}


async def upsert(
    client: httpx.AsyncClient, container: Container, headers: dict[str, str], rows: list[Any]
) -> dict[str, Any]:
    return await import_rows(
        client, container, headers, [HEADER, *rows],
        target="orders", type="request", mode="upsert", key="number", partial=True,
    )  # fmt: skip


@pytest.fixture
async def manager(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    make_user: UserFactory,
    login: LoginFactory,
) -> dict[str, str]:
    """A manager's headers, with orders A-1…A-6 imported by an admin in their statuses."""
    await make_order_type(container, "request")
    created = await import_rows(
        client, container, admin_headers, EXISTING, target="orders", type="request"
    )
    assert created["counts"]["created"] == 6, (created["error"], created["report"])
    return {**await login(await make_user("manager")), "Accept-Language": "en"}


async def test_a_status_moves_along_a_plain_transition_with_its_history_row(
    client: httpx.AsyncClient, container: Container, manager: dict[str, str]
) -> None:
    done = await upsert(client, container, manager, [["A-1", "Доставка", "100", "accepted", ""]])

    assert done["counts"]["updated"] == 1, done["report"]
    assert (await statuses(container))["A-1"] == "accepted"
    async with container.read_sessions() as session:
        moves = (
            await session.execute(
                select(OrderEvent.from_status, OrderEvent.to_status).where(
                    OrderEvent.kind == "status_changed"
                )
            )
        ).all()
    assert [tuple(move) for move in moves] == [("pending", "accepted")]


async def test_status_changes_the_api_would_refuse_are_rejected_with_their_reasons(
    client: httpx.AsyncClient, container: Container, manager: dict[str, str]
) -> None:
    before = await statuses(container)
    rows = [
        ["A-1", "Доставка", "100", "completed", ""],  # no such transition
        ["A-2", "Доставка", "100", "transferred", ""],  # deducts stock
        ["A-3", "Доставка", "100", "rejected", ""],  # needs a comment
        ["A-4", "Доставка", "100", "cancelled", ""],  # customers and admins only
        ["A-5", "Доставка", "100", "accepted", ""],  # fine
        ["A-6", "Доставка", "100", "completed", "поздно"],  # completed is terminal
    ]

    done = await upsert(client, container, manager, rows)

    assert done["counts"]["updated"] == 1
    reasons = {
        r["row"]: (r["column"], r["value"], r["reason"]["en"]) for r in done["report"]["first"]
    }
    assert reasons == {
        2: ("Статус", "completed", "The workflow has no move from pending to completed"),
        3: (
            "Статус",
            "transferred",
            "The move from accepted to transferred changes stock or needs a comment: "
            "make it on the order itself",
        ),
        4: (
            "Статус",
            "rejected",
            "The move from pending to rejected changes stock or needs a comment: "
            "make it on the order itself",
        ),
        5: ("Статус", "cancelled", "Your role may not move an order from pending to cancelled"),
        7: ("№ заказа", "A-6", "The order cannot be changed in status completed"),
    }
    assert await statuses(container) == {**before, "A-5": "accepted"}


async def test_an_admin_may_take_a_transition_that_a_manager_may_not(
    client: httpx.AsyncClient,
    container: Container,
    manager: dict[str, str],
    admin_headers: dict[str, str],
) -> None:
    done = await upsert(
        client, container, admin_headers, [["A-4", "Доставка", "100", "cancelled", ""]]
    )

    assert done["counts"]["updated"] == 1, done["report"]
    assert (await statuses(container))["A-4"] == "cancelled"


async def test_an_atomic_upsert_with_one_refused_status_change_changes_nothing(
    client: httpx.AsyncClient, container: Container, manager: dict[str, str]
) -> None:
    before = await statuses(container)
    fine, refused = (
        ["A-1", "Доставка", "100", "accepted", ""],
        ["A-3", "Доставка", "100", "completed", ""],
    )

    done = await import_rows(
        client, container, manager, [HEADER, fine, refused],
        target="orders", type="request", mode="upsert", key="number",
    )  # fmt: skip

    assert done["status"] == "failed"
    assert await statuses(container) == before
