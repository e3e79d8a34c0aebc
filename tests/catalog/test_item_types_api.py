"""Item types over HTTP: attribute schemas, their validation, updates, deletion, permissions."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import error_fields, label, make_item, make_item_type

EVERY_TYPE_SCHEMA: list[dict[str, Any]] = [
    {"name": "color", "label": {"ru": "Цвет", "en": "Colour"}, "type": "string", "max": 20},
    {"name": "care", "label": label("care"), "type": "text"},
    {"name": "stems", "label": label("stems"), "type": "integer", "min": 1, "max": 101},
    {"name": "weight", "label": label("weight"), "type": "decimal", "min": "0.1"},
    {"name": "fragrant", "label": label("fragrant"), "type": "boolean"},
    {"name": "harvested", "label": label("harvested"), "type": "date"},
    {"name": "delivered_at", "label": label("delivered"), "type": "datetime"},
    {
        "name": "grade",
        "label": label("grade"),
        "type": "enum",
        "enum": ["premium", "standard"],
        "required": True,
    },
]


def type_body(schema: list[dict[str, Any]], code: str = "flower") -> dict[str, Any]:
    return {"code": code, "name": {"ru": "Цветок", "en": "Flower"}, "attribute_schema": schema}


async def test_create_item_type_with_every_field_type_keeps_the_schema(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/item-types", json=type_body(EVERY_TYPE_SCHEMA), headers=admin_headers
    )
    assert response.status_code == 201, response.text
    created = response.json()
    fields = {field["name"]: field for field in created["attribute_schema"]}
    assert [f["type"] for f in created["attribute_schema"]] == [
        "string", "text", "integer", "decimal", "boolean", "date", "datetime", "enum"
    ]  # fmt: skip
    assert fields["color"]["label"] == {"ru": "Цвет", "en": "Colour"}
    assert fields["grade"]["enum"] == ["premium", "standard"]
    assert fields["grade"]["required"] is True
    assert fields["stems"]["min"] == "1"
    assert fields["stems"]["max"] == "101"
    fetched = await client.get(f"/api/v1/item-types/{created['id']}", headers=admin_headers)
    assert fetched.json()["attribute_schema"] == created["attribute_schema"]


@pytest.mark.parametrize(
    ("schema", "field"),
    [
        pytest.param(
            [{"name": "grade", "label": label("g"), "type": "enum"}],
            "attribute_schema.0",
            id="enum-without-values",
        ),
        pytest.param(
            [{"name": "grade", "label": label("g"), "type": "enum", "enum": []}],
            "attribute_schema.0",
            id="enum-with-empty-values",
        ),
        pytest.param(
            [{"name": "stems", "label": label("s"), "type": "integer", "min": 10, "max": 5}],
            "attribute_schema.0",
            id="min-above-max",
        ),
        pytest.param(
            [
                {"name": "color", "label": label("c")},
                {"name": "size", "label": label("s")},
                {"name": "color", "label": label("c2")},
            ],
            "attribute_schema.2.name",
            id="duplicate-names",
        ),
        pytest.param(
            [{"name": "Color", "label": label("c")}], "attribute_schema.0.name", id="uppercase"
        ),
        pytest.param(
            [{"name": "1color", "label": label("c")}], "attribute_schema.0.name", id="digit-first"
        ),
        pytest.param(
            [{"name": "цвет", "label": label("c")}], "attribute_schema.0.name", id="cyrillic-name"
        ),
        pytest.param(
            [{"name": "color", "label": {"ru": "Цвет"}}],
            "attribute_schema.0.label.en",
            id="label-without-en",
        ),
        pytest.param(
            [{"name": "color", "label": label("c"), "type": "colour"}],
            "attribute_schema.0.type",
            id="unknown-type",
        ),
    ],
)
async def test_create_item_type_with_invalid_schema_names_the_field(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    schema: list[dict[str, Any]],
    field: str,
) -> None:
    response = await client.post(
        "/api/v1/item-types", json=type_body(schema), headers=admin_headers
    )
    assert response.status_code == 422, response.text
    assert field in error_fields(response)


async def test_create_item_type_with_taken_code_is_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    response = await client.post("/api/v1/item-types", json=type_body([]), headers=admin_headers)
    assert response.status_code == 422
    assert error_fields(response) == {"code": "taken"}


async def test_update_item_type_schema_applies_to_new_items(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container, "flower")
    new_schema = [{"name": "color", "label": label("color"), "required": True}]
    response = await client.patch(
        f"/api/v1/item-types/{item_type['id']}",
        json={"attribute_schema": new_schema},
        headers={**admin_headers, "If-Match": 'W/"1"'},
    )
    assert response.status_code == 200, response.text
    assert [f["name"] for f in response.json()["attribute_schema"]] == ["color"]
    assert response.headers["etag"] == 'W/"2"'
    item = {"item_type_id": item_type["id"], "sku": "A", "name": "Роза"}
    without_color = await client.post("/api/v1/items", json=item, headers=admin_headers)
    assert without_color.status_code == 422
    assert error_fields(without_color) == {"attributes.color": "missing"}


async def test_update_item_type_with_invalid_schema_names_the_field(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container, "flower")
    bad = [{"name": "x", "label": label("x")}, {"name": "x", "label": label("y")}]
    response = await client.patch(
        f"/api/v1/item-types/{item_type['id']}",
        json={"attribute_schema": bad},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert error_fields(response) == {"attribute_schema.1.name": "duplicate"}


async def test_delete_item_type_in_use_is_a_conflict(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container, "flower")
    await make_item(container, item_type["id"])
    response = await client.delete(f"/api/v1/item-types/{item_type['id']}", headers=admin_headers)
    assert response.status_code == 409
    still_there = await client.get(f"/api/v1/item-types/{item_type['id']}", headers=admin_headers)
    assert still_there.status_code == 200


async def test_delete_unused_item_type_removes_it(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container, "flower")
    response = await client.delete(f"/api/v1/item-types/{item_type['id']}", headers=admin_headers)
    assert response.status_code == 204
    gone = await client.get(f"/api/v1/item-types/{item_type['id']}", headers=admin_headers)
    assert gone.status_code == 404


@pytest.mark.parametrize("role", ["customer", "staff"])
async def test_customers_and_staff_cannot_create_item_types(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory, role: str
) -> None:
    headers = await login(await make_user(role))
    response = await client.post("/api/v1/item-types", json=type_body([]), headers=headers)
    assert response.status_code == 403
    listed = await client.get("/api/v1/item-types", headers=headers)
    assert listed.json()["items"] == []


async def test_manager_can_create_item_types(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    headers = await login(await make_user("manager"))
    response = await client.post("/api/v1/item-types", json=type_body([]), headers=headers)
    assert response.status_code == 201
