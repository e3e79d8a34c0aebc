"""Orders: rows grouped by number into orders with lines, totals, statuses, upsert, unit scope."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from orderdesk.container import Container
from orderdesk.orders.models import Order, OrderEvent, OrderLine
from tests.conftest import LoginFactory, UserFactory
from tests.factories import make_item, make_item_type, make_order_type, make_unit
from tests.transfer.importing.helpers import import_rows

pytestmark = pytest.mark.usefixtures("worker")
HEADER = ["№ заказа", "Дата", "Артикул", "Наименование", "Кол-во", "Цена", "Сумма", "Статус"]
STATUS_MAP = {"status": {"в работе": "accepted"}}


async def orders_by_number(container: Container) -> dict[str, dict[str, Any]]:
    async with container.read_sessions() as session:
        orders = (await session.scalars(select(Order).order_by(Order.id))).all()
        lines = (await session.scalars(select(OrderLine).order_by(OrderLine.position))).all()
    return {
        order.number: {
            "order": order,
            "lines": [line for line in lines if line.order_id == order.id],
        }
        for order in orders
    }


async def test_rows_with_one_number_become_one_order_with_lines_totals_and_mapped_status(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    product = await make_item_type(container)
    rose = await make_item(container, product["id"], sku="ROSE", name="Роза", price=Decimal("150"))
    await make_order_type(container, "request", vat_rate="20", prices_include_vat=False)
    rows = [
        HEADER,
        ["A-1", "01.12.2024 10:30", "ROSE", None, "3", None, "450,00", "В работе"],
        ["A-2", "02.12.2024", None, "Доставка", "1", "300", None, None],
        ["A-1", "01.12.2024 10:30", None, "Упаковка", "2", "25,5", None, "В работе"],
    ]

    done = await import_rows(
        client, container, admin_headers, rows,
        target="orders", type="request", value_maps=STATUS_MAP,
    )  # fmt: skip

    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert done["counts"]["created"] == 2
    orders = await orders_by_number(container)
    first = orders["A-1"]["order"]
    assert first.status == "accepted"
    assert first.channel == "import"
    assert first.created_at == datetime(2024, 12, 1, 10, 30, tzinfo=UTC)
    assert [(ln.sku, ln.name, ln.quantity, ln.amount) for ln in orders["A-1"]["lines"]] == [
        ("ROSE", "Роза", Decimal("3.0000"), Decimal("450.0000")),
        ("", "Упаковка", Decimal("2.0000"), Decimal("51.0000")),
    ]
    assert orders["A-1"]["lines"][0].item_id == rose["id"]
    assert first.subtotal == Decimal("501.0000")
    assert first.vat_amount == Decimal("100.2000")
    assert first.total == Decimal("601.2000")
    assert orders["A-2"]["order"].status == "pending"  # the workflow's initial status
    shown = await client.get(f"/api/v1/orders/{first.id}/history", headers=admin_headers)
    assert [e["kind"] for e in shown.json()["events"]] == ["created"]


async def test_upsert_by_number_updates_changed_orders_and_records_field_history(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "request")
    header = ["№ заказа", "Наименование", "Кол-во", "Цена", "Комментарий"]
    first = [
        header,
        ["A-1", "Доставка", "1", "300", "у подъезда"],
        ["A-2", "Сборка", "2", "100", ""],
    ]
    await import_rows(client, container, admin_headers, first, target="orders", type="request")
    again = [
        header,
        ["A-1", "Доставка", "2", "300", "у подъезда"],
        ["A-2", "Сборка", "2", "100", ""],
        ["A-3", "Монтаж", "1", "1000", ""],
    ]

    done = await import_rows(
        client, container, admin_headers, again,
        target="orders", type="request", mode="upsert", key="number",
    )  # fmt: skip

    assert (done["counts"]["created"], done["counts"]["updated"], done["counts"]["unchanged"]) == (
        1, 1, 1,
    )  # fmt: skip
    orders = await orders_by_number(container)
    updated = orders["A-1"]["order"]
    assert updated.total == Decimal("600.0000")
    assert updated.version == 2
    assert [ln.quantity for ln in orders["A-1"]["lines"]] == [Decimal("2.0000")]
    history = (
        await client.get(f"/api/v1/orders/{updated.id}/history", headers=admin_headers)
    ).json()
    changes = {c["field"]: (c["old_value"], c["new_value"]) for c in history["changes"]}
    assert changes["total"] == ("300.00", "600.00")
    assert changes["lines"] == (["Доставка × 1.00 @ 300.00"], ["Доставка × 2.00 @ 300.00"])
    assert [e["kind"] for e in history["events"]] == ["created", "updated"]


async def test_staff_import_orders_only_into_their_own_unit(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
) -> None:
    north = await make_unit(container, "north", "Северный")
    await make_unit(container, "south", "Южный")
    await make_order_type(container, "request")
    staff = await login(await make_user("staff", unit_id=north["id"]))
    rows = [
        ["№ заказа", "Подразделение", "Наименование", "Цена"],
        ["S-1", "", "Доставка", "100"],
        ["S-2", "Южный", "Доставка", "100"],
    ]

    done = await import_rows(
        client, container, staff, rows, target="orders", type="request", partial=True
    )

    assert done["counts"]["created"] == 1, (done["error"], done["report"])
    assert done["report"]["first"][0]["row"] == 3
    assert done["report"]["first"][0]["reason"]["ru"] == "Вне вашего подразделения"
    orders = await orders_by_number(container)
    assert set(orders) == {"S-1"}
    assert orders["S-1"]["order"].unit_id == north["id"]


async def test_orders_without_a_number_column_get_numbers_from_the_type_counter(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "request", number_format="R-{seq:04d}")
    rows = [["Наименование", "Сумма"], ["Доставка", "100"], ["Монтаж", "250,50"]]

    done = await import_rows(
        client, container, admin_headers, rows, target="orders", type="request"
    )

    assert done["counts"]["created"] == 2
    orders = await orders_by_number(container)
    assert sorted(orders) == ["R-0001", "R-0002"]
    assert orders["R-0002"]["order"].total == Decimal("250.5000")
    created = await client.post(
        "/api/v1/orders",
        json={
            "order_type": "request",
            "lines": [{"name": "x", "quantity": "1", "unit_price": "1"}],
        },
        headers=admin_headers,
    )
    assert created.json()["number"] == "R-0003"


async def test_an_order_with_one_bad_line_is_rejected_whole(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "request")
    rows = [
        ["№ заказа", "Наименование", "Кол-во", "Цена", "Сумма"],
        ["B-1", "Доставка", "1", "100", "100"],
        ["B-1", "Монтаж", "2", "100", "999"],
        ["B-2", "Сборка", "1", "50", None],
    ]

    done = await import_rows(
        client, container, admin_headers, rows, target="orders", type="request", partial=True
    )

    assert done["counts"]["created"] == 1
    assert [(e["row"], e["column"]) for e in done["report"]["first"]] == [(3, "Сумма")]
    assert set(await orders_by_number(container)) == {"B-2"}
    async with container.read_sessions() as session:
        events = (await session.scalars(select(OrderEvent))).all()
    assert [e.kind for e in events] == ["created"]
