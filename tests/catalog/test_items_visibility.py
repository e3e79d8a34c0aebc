"""Who sees which items: customers only active ones, staff their unit's and shared ones."""

from __future__ import annotations

import httpx

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import make_item, make_item_type, make_unit


async def test_customer_does_not_see_archived_items(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    admin_headers: dict[str, str],
) -> None:
    item_type = await make_item_type(container)
    active = await make_item(container, item_type["id"], sku="ACTIVE")
    archived = await make_item(container, item_type["id"], sku="OLD")
    await client.post(
        f"/api/v1/items/{archived['id']}/archive", json={"reason": "old"}, headers=admin_headers
    )
    customer = await login(await make_user("customer"))
    assert (await client.get(f"/api/v1/items/{active['id']}", headers=customer)).status_code == 200
    hidden = await client.get(f"/api/v1/items/{archived['id']}", headers=customer)
    assert hidden.status_code == 404
    listed = await client.get("/api/v1/items", headers=customer)
    assert [i["sku"] for i in listed.json()["items"]] == ["ACTIVE"]
    asked = await client.get("/api/v1/items", params={"status": "archived"}, headers=customer)
    assert asked.json()["items"] == []
    history = await client.get(f"/api/v1/items/{archived['id']}/history", headers=customer)
    assert history.status_code == 404


async def test_admin_still_sees_archived_items(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    archived = await make_item(container, item_type["id"], sku="OLD")
    await client.post(
        f"/api/v1/items/{archived['id']}/archive", json={"reason": "old"}, headers=admin_headers
    )
    listed = await client.get("/api/v1/items", params={"status": "archived"}, headers=admin_headers)
    assert [i["sku"] for i in listed.json()["items"]] == ["OLD"]


async def test_staff_see_their_units_and_shared_items_but_not_other_units(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    north, south = await make_unit(container, "north"), await make_unit(container, "south", "Юг")
    item_type = await make_item_type(container)
    own = await make_item(container, item_type["id"], sku="NORTH", unit_id=north["id"])
    shared = await make_item(container, item_type["id"], sku="SHARED")
    other = await make_item(container, item_type["id"], sku="SOUTH", unit_id=south["id"])
    staff = await login(await make_user("staff", unit_id=north["id"]))
    for visible in (own, shared):
        response = await client.get(f"/api/v1/items/{visible['id']}", headers=staff)
        assert response.status_code == 200
    assert (await client.get(f"/api/v1/items/{other['id']}", headers=staff)).status_code == 404
    listed = await client.get("/api/v1/items", params={"sort": "sku"}, headers=staff)
    assert [i["sku"] for i in listed.json()["items"]] == ["NORTH", "SHARED"]


async def test_staff_and_customers_cannot_change_items(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    item_type = await make_item_type(container)
    item = await make_item(container, item_type["id"], sku="SHARED")
    for role in ("staff", "customer"):
        headers = await login(await make_user(role))
        body = {"item_type_id": item_type["id"], "sku": f"NEW-{role}", "name": "x"}
        assert (await client.post("/api/v1/items", json=body, headers=headers)).status_code == 403
        url = f"/api/v1/items/{item['id']}"
        assert (await client.patch(url, json={"name": "y"}, headers=headers)).status_code == 403
        assert (await client.delete(url, headers=headers)).status_code == 403


async def test_anonymous_caller_cannot_list_items(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/items")
    assert response.status_code == 401
