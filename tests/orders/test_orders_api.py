"""Orders over HTTP: create with lines and totals, numbering, transitions, scoping."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import make_item, make_item_type, make_order_type, make_unit


async def test_create_order_computes_totals_with_vat_on_top(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    rose = await make_item(container, item_type["id"], sku="ROSE", price=Decimal("99.99"))
    await make_order_type(container, "order", vat_rate=Decimal(20), prices_include_vat=False)
    body = {
        "order_type": "order",
        "lines": [
            {"item_id": rose["id"], "quantity": "3"},
            {"name": "Доставка", "quantity": "1", "unit_price": "250.5", "coefficient": "1.5"},
        ],
    }
    response = await client.post("/api/v1/orders", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["subtotal"] == "675.72"  # 299.97 + 375.75
    assert order["vat_amount"] == "135.14"
    assert order["total"] == "810.86"
    assert [line["sku"] for line in order["lines"]] == ["ROSE", ""]
    assert response.headers["etag"] == 'W/"1"'


async def test_fifty_parallel_creations_get_fifty_distinct_numbers(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "request", number_format="R-{seq:05d}")
    body = {"order_type": "request", "lines": [{"name": "x", "quantity": "1", "unit_price": "1"}]}
    responses = await asyncio.gather(
        *(client.post("/api/v1/orders", json=body, headers=admin_headers) for _ in range(50))
    )
    assert [r.status_code for r in responses] == [201] * 50
    numbers = {r.json()["number"] for r in responses}
    assert numbers == {f"R-{n:05d}" for n in range(1, 51)}


async def test_staff_sees_only_their_units_orders(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    admin_headers: dict[str, str],
) -> None:
    north, south = await make_unit(container, "north"), await make_unit(container, "south", "Южный")
    await make_order_type(container)
    line = {"name": "x", "quantity": "1", "unit_price": "1"}
    created = {}
    for unit in (north, south):
        body = {"order_type": "request", "unit_id": unit["id"], "lines": [line]}
        created[unit["code"]] = (
            await client.post("/api/v1/orders", json=body, headers=admin_headers)
        ).json()
    staff = await login(await make_user("staff", unit_id=north["id"]))
    own = await client.get(f"/api/v1/orders/{created['north']['id']}", headers=staff)
    other = await client.get(f"/api/v1/orders/{created['south']['id']}", headers=staff)
    listed = await client.get("/api/v1/orders", headers=staff)
    assert own.status_code == 200
    assert other.status_code == 404
    assert [o["id"] for o in listed.json()["items"]] == [created["north"]["id"]]
