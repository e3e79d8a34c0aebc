"""Categories over HTTP: nesting, unique names per parent, no cycles, safe deletion."""

from __future__ import annotations

import httpx

from orderdesk.container import Container
from tests.factories import error_fields, make_category, make_item, make_item_type


async def test_create_nested_categories(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    root = await client.post("/api/v1/categories", json={"name": "Цветы"}, headers=admin_headers)
    assert root.status_code == 201, root.text
    child = await client.post(
        "/api/v1/categories",
        json={"name": "Розы", "parent_id": root.json()["id"], "position": 2},
        headers=admin_headers,
    )
    assert child.status_code == 201
    assert (child.json()["parent_id"], child.json()["position"]) == (root.json()["id"], 2)
    children = await client.get(
        "/api/v1/categories", params={"parent_id": root.json()["id"]}, headers=admin_headers
    )
    assert [c["name"] for c in children.json()["items"]] == ["Розы"]


async def test_duplicate_name_under_the_same_parent_is_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    root = await make_category(container, "Цветы")
    await make_category(container, "Розы", parent_id=root["id"])
    response = await client.post(
        "/api/v1/categories", json={"name": "Розы", "parent_id": root["id"]}, headers=admin_headers
    )
    assert response.status_code == 422
    assert error_fields(response) == {"name": "taken"}


async def test_duplicate_name_at_the_top_level_is_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_category(container, "Цветы")
    response = await client.post(
        "/api/v1/categories", json={"name": "Цветы"}, headers=admin_headers
    )
    assert error_fields(response) == {"name": "taken"}


async def test_same_name_under_different_parents_is_allowed(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    first, second = await make_category(container, "Сад"), await make_category(container, "Дом")
    await make_category(container, "Горшки", parent_id=first["id"])
    response = await client.post(
        "/api/v1/categories",
        json={"name": "Горшки", "parent_id": second["id"]},
        headers=admin_headers,
    )
    assert response.status_code == 201


async def test_unknown_parent_is_rejected(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/categories", json={"name": "Розы", "parent_id": 98765}, headers=admin_headers
    )
    assert error_fields(response) == {"parent_id": "not_found"}


async def test_moving_a_category_under_its_own_descendant_is_a_cycle(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    top = await make_category(container, "Цветы")
    middle = await make_category(container, "Розы", parent_id=top["id"])
    bottom = await make_category(container, "Кустовые", parent_id=middle["id"])
    response = await client.patch(
        f"/api/v1/categories/{top['id']}", json={"parent_id": bottom["id"]}, headers=admin_headers
    )
    assert response.status_code == 422
    assert error_fields(response) == {"parent_id": "category_cycle"}
    unchanged = await client.get(f"/api/v1/categories/{top['id']}", headers=admin_headers)
    assert unchanged.json()["parent_id"] is None


async def test_making_a_category_its_own_parent_is_a_cycle(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    category = await make_category(container, "Цветы")
    response = await client.patch(
        f"/api/v1/categories/{category['id']}",
        json={"parent_id": category["id"]},
        headers=admin_headers,
    )
    assert error_fields(response) == {"parent_id": "category_cycle"}


async def test_moving_a_category_to_the_top_level(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    top = await make_category(container, "Цветы")
    child = await make_category(container, "Розы", parent_id=top["id"])
    response = await client.patch(
        f"/api/v1/categories/{child['id']}", json={"parent_id": None}, headers=admin_headers
    )
    assert response.status_code == 200
    assert (response.json()["parent_id"], response.json()["version"]) == (None, 2)


async def test_delete_category_with_children_is_a_conflict(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    top = await make_category(container, "Цветы")
    await make_category(container, "Розы", parent_id=top["id"])
    response = await client.delete(f"/api/v1/categories/{top['id']}", headers=admin_headers)
    assert response.status_code == 409
    assert (
        await client.get(f"/api/v1/categories/{top['id']}", headers=admin_headers)
    ).status_code == 200


async def test_delete_category_keeps_its_items_without_a_category(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    category = await make_category(container, "Цветы")
    item = await make_item(
        container, (await make_item_type(container))["id"], category_id=category["id"]
    )
    response = await client.delete(f"/api/v1/categories/{category['id']}", headers=admin_headers)
    assert response.status_code == 204
    kept = await client.get(f"/api/v1/items/{item['id']}", headers=admin_headers)
    assert kept.status_code == 200
    assert kept.json()["category_id"] is None
