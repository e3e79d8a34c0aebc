"""Who sees and creates which orders: customers their own, staff their unit's, managers all."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import (
    error_fields,
    free_line,
    make_item,
    make_item_type,
    make_order,
    make_order_type,
    make_unit,
)


async def listed_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
    response = await client.get("/api/v1/orders", params={"sort": "id"}, headers=headers)
    assert response.status_code == 200
    return [order["id"] for order in response.json()["items"]]


async def test_customer_sees_only_their_own_orders(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    await make_order_type(container)
    alice, bob = await make_user("customer"), await make_user("customer")
    own = await make_order(container, customer_id=alice.id)
    foreign = await make_order(container, customer_id=bob.id)
    headers = await login(alice)
    assert await listed_ids(client, headers) == [own["id"]]
    url = f"/api/v1/orders/{foreign['id']}"
    assert (await client.get(url, headers=headers)).status_code == 404
    assert (await client.get(f"{url}/history", headers=headers)).status_code == 404
    assert (await client.get(f"{url}/transitions", headers=headers)).status_code == 404
    cancel = await client.post(f"{url}/transitions", json={"to": "cancelled"}, headers=headers)
    assert cancel.status_code == 404
    assert (await client.get(url, headers=await login(bob))).status_code == 200


async def test_customer_filtering_by_another_customer_gets_nothing(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    await make_order_type(container)
    alice, bob = await make_user("customer"), await make_user("customer")
    await make_order(container, customer_id=bob.id)
    response = await client.get(
        "/api/v1/orders", params={"customer_id": bob.id}, headers=await login(alice)
    )
    assert response.json()["items"] == []


async def test_staff_cannot_reach_other_units_orders_by_id(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    north, south = await make_unit(container, "north"), await make_unit(container, "south", "Юг")
    await make_order_type(container)
    own = await make_order(container, unit_id=north["id"])
    foreign = await make_order(container, unit_id=south["id"])
    unassigned = await make_order(container)
    headers = await login(await make_user("staff", unit_id=north["id"]))
    assert await listed_ids(client, headers) == [own["id"]]
    for hidden in (foreign, unassigned):
        url = f"/api/v1/orders/{hidden['id']}"
        assert (await client.get(url, headers=headers)).status_code == 404
        moved = await client.post(f"{url}/transitions", json={"to": "accepted"}, headers=headers)
        assert moved.status_code == 404
        edited = await client.patch(url, json={"note": "x"}, headers=headers)
        assert edited.status_code == 404


@pytest.mark.parametrize("role", ["manager", "admin"])
async def test_managers_and_admins_see_every_order(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    role: str,
) -> None:
    north, south = await make_unit(container, "north"), await make_unit(container, "south", "Юг")
    await make_order_type(container)
    customer = await make_user("customer")
    created = [
        await make_order(container, unit_id=north["id"]),
        await make_order(container, unit_id=south["id"]),
        await make_order(container, customer_id=customer.id),
    ]
    headers = await login(await make_user(role, unit_id=north["id"]))
    assert await listed_ids(client, headers) == [o["id"] for o in created]


async def test_customer_order_always_belongs_to_the_customer(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    await make_order_type(container)
    rose = await make_item(container, (await make_item_type(container))["id"])
    alice, bob = await make_user("customer"), await make_user("customer")
    headers = await login(alice)
    line = {"item_id": rose["id"], "quantity": "1"}
    own = await client.post(
        "/api/v1/orders", json={"order_type": "request", "lines": [line]}, headers=headers
    )
    assert own.status_code == 201
    assert (own.json()["customer_id"], own.json()["created_by_id"]) == (alice.id, alice.id)
    for_bob = {"order_type": "request", "customer_id": bob.id, "lines": [line]}
    response = await client.post("/api/v1/orders", json=for_bob, headers=headers)
    assert response.status_code == 422
    assert error_fields(response) == {"customer_id": "not_found"}


async def test_staff_create_orders_only_in_their_unit(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    north, south = await make_unit(container, "north"), await make_unit(container, "south", "Юг")
    await make_order_type(container)
    headers = await login(await make_user("staff", unit_id=north["id"]))
    body: dict[str, Any] = {"order_type": "request", "lines": [free_line()]}
    implicit = await client.post("/api/v1/orders", json=body, headers=headers)
    assert implicit.json()["unit_id"] == north["id"]
    elsewhere = await client.post(
        "/api/v1/orders", json={**body, "unit_id": south["id"]}, headers=headers
    )
    assert elsewhere.status_code == 422
    assert error_fields(elsewhere) == {"unit_id": "not_found"}


async def test_admin_may_create_orders_for_any_existing_customer_and_unit(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    admin_headers: dict[str, str],
) -> None:
    south = await make_unit(container, "south", "Юг")
    await make_order_type(container)
    customer = await make_user("customer")
    body = {
        "order_type": "request",
        "customer_id": customer.id,
        "unit_id": south["id"],
        "lines": [free_line()],
    }
    created = await client.post("/api/v1/orders", json=body, headers=admin_headers)
    assert (created.json()["customer_id"], created.json()["unit_id"]) == (customer.id, south["id"])
    unknown = {**body, "customer_id": 987_654, "unit_id": 987_654}
    response = await client.post("/api/v1/orders", json=unknown, headers=admin_headers)
    assert error_fields(response) == {"customer_id": "not_found", "unit_id": "not_found"}
