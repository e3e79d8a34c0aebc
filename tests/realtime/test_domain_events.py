"""Every state change of orders and the catalog leaves one small event in the outbox."""

from __future__ import annotations

import httpx

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import free_line, make_item, make_item_type, make_order_type, make_unit
from tests.realtime.helpers import published


async def test_order_changes_record_created_updated_status_and_deleted(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    unit = await make_unit(container)
    body = {"order_type": "request", "unit_id": unit["id"], "lines": [free_line()]}
    order = (await client.post("/api/v1/orders", json=body, headers=admin_headers)).json()
    url = f"/api/v1/orders/{order['id']}"
    assert (await client.patch(url, json={"note": "к 10:00"}, headers=admin_headers)).is_success
    added = await client.post(f"{url}/lines", json=free_line("Упаковка"), headers=admin_headers)
    assert added.is_success
    moved = await client.post(f"{url}/transitions", json={"to": "accepted"}, headers=admin_headers)
    assert moved.is_success
    assert (await client.delete(url, headers=admin_headers)).status_code == 204

    heard = await published(container)
    assert heard.types(order["id"]) == [
        "order.created",
        "order.updated",
        "order.updated",
        "order.status_changed",
        "order.deleted",
    ]
    created, note, lines, status, _ = heard.events
    assert created.payload == {
        "id": order["id"],
        "number": order["number"],
        "status": "pending",
        "version": 1,
        "order_type_id": order["order_type_id"],
    }
    assert created.unit_id == unit["id"]
    assert note.payload["lines_changed"] is False
    assert "note" in note.payload["fields"]
    assert lines.payload["lines_changed"] is True
    assert status.payload["from"] == "pending"
    assert status.payload["to"] == "accepted"
    assert status.payload["status"] == "accepted"
    assert status.payload["version"] == moved.json()["version"]


async def test_customer_order_events_carry_the_customer(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    await make_order_type(container)
    item = await make_item(container, (await make_item_type(container))["id"])
    await published(container)
    alice = await make_user("customer")
    body = {"order_type": "request", "lines": [{"item_id": item["id"], "quantity": "1"}]}
    response = await client.post("/api/v1/orders", json=body, headers=await login(alice))
    assert response.status_code == 201
    [event] = (await published(container)).events
    assert (event.customer_id, event.actor_id) == (alice.id, alice.id)


async def test_item_lifecycle_records_created_updated_archived_restored_deleted(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    unit = await make_unit(container)
    body = {"item_type_id": item_type["id"], "sku": "R-1", "name": "Роза", "price": "150"}
    body["unit_id"] = unit["id"]
    item = (await client.post("/api/v1/items", json=body, headers=admin_headers)).json()
    url = f"/api/v1/items/{item['id']}"
    assert (await client.patch(url, json={"name": "Роза алая"}, headers=admin_headers)).is_success
    archive = await client.post(f"{url}/archive", json={"reason": "сезон"}, headers=admin_headers)
    assert archive.is_success
    assert (await client.post(f"{url}/restore", headers=admin_headers)).is_success
    assert (await client.delete(url, headers=admin_headers)).status_code == 204

    heard = [e for e in (await published(container)).events if e.aggregate_type == "item"]
    assert [e.type for e in heard] == [
        "item.created",
        "item.updated",
        "item.archived",
        "item.restored",
        "item.deleted",
    ]
    archived = heard[2]
    assert archived.payload == {"id": item["id"], "sku": "R-1", "status": "archived", "version": 3}
    assert archived.unit_id == unit["id"]
    assert "price" not in archived.payload
    assert "stock" not in archived.payload


async def test_item_types_and_categories_record_events(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/categories", json={"name": "Цветы"}, headers=admin_headers
    )
    assert response.status_code == 201
    await make_item_type(container, "flower")
    heard = await published(container)
    assert [e.type for e in heard.events] == ["category.created", "item_type.created"]
    assert heard.events[1].payload["code"] == "flower"
