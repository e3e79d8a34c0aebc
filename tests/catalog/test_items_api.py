"""Items over HTTP: create, read, update, delete, and validation against the type's schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.factories import error_fields, label, make_item, make_item_type

SCHEMA: list[dict[str, Any]] = [
    {"name": "color", "label": label("color"), "required": True},
    {"name": "stems", "label": label("stems"), "type": "integer", "min": 1, "max": 101},
    {"name": "weight", "label": label("weight"), "type": "decimal", "min": "0.5", "max": "10"},
    {"name": "fragrant", "label": label("fragrant"), "type": "boolean"},
    {"name": "harvested", "label": label("harvested"), "type": "date"},
    {"name": "delivered_at", "label": label("delivered"), "type": "datetime"},
    {"name": "grade", "label": label("grade"), "type": "enum", "enum": ["premium", "standard"]},
]


@pytest.fixture
async def flower_type(container: Container) -> dict[str, Any]:
    return await make_item_type(container, "flower", SCHEMA)


def item_body(item_type: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {
        "item_type_id": item_type["id"],
        "sku": "ROSE-1",
        "name": "Роза красная",
        "price": "150.50",
        "attributes": {"color": "red"},
    }
    return {**body, **fields}


async def test_create_item_returns_it_with_normalised_attributes(
    client: httpx.AsyncClient, flower_type: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    attributes = {
        "color": "  red ",
        "stems": "25",
        "weight": 1.5,
        "fragrant": True,
        "harvested": "2026-03-01",
        "delivered_at": "2026-03-02T10:00:00+03:00",
        "grade": "premium",
    }
    body = item_body(flower_type, attributes=attributes, tags=["весна"], stock="12")
    response = await client.post("/api/v1/items", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["attributes"] == {
        "color": "red",
        "stems": 25,
        "weight": "1.5",
        "fragrant": True,
        "harvested": "2026-03-01",
        "delivered_at": "2026-03-02T10:00:00+03:00",
        "grade": "premium",
    }
    assert (item["price"], item["stock"], item["status"]) == ("150.50", "12.00", "active")
    assert item["measure_unit"] == "шт"
    assert response.headers["etag"] == 'W/"1"'
    fetched = await client.get(f"/api/v1/items/{item['id']}", headers=admin_headers)
    assert fetched.json() == item


@pytest.mark.parametrize(
    ("attributes", "field", "code"),
    [
        pytest.param({"color": 5}, "attributes.color", "attr_type", id="string-got-number"),
        pytest.param({"stems": "many"}, "attributes.stems", "attr_type", id="integer-got-word"),
        pytest.param({"stems": 2.5}, "attributes.stems", "attr_type", id="integer-got-fraction"),
        pytest.param({"stems": True}, "attributes.stems", "attr_type", id="integer-got-bool"),
        pytest.param({"fragrant": "yes"}, "attributes.fragrant", "attr_type", id="bool-got-str"),
        pytest.param({"grade": "luxury"}, "attributes.grade", "enum", id="enum-not-allowed"),
        pytest.param({"stems": 0}, "attributes.stems", "greater_than_equal", id="below-min"),
        pytest.param({"stems": 102}, "attributes.stems", "less_than_equal", id="above-max"),
        pytest.param({"weight": "0.4"}, "attributes.weight", "greater_than_equal", id="dec-min"),
        pytest.param({"weight": "10.01"}, "attributes.weight", "less_than_equal", id="dec-max"),
        pytest.param({"harvested": "01.03.2026"}, "attributes.harvested", "date_parsing", id="d"),
        pytest.param(
            {"delivered_at": "2026-03-02T10:00:00"},
            "attributes.delivered_at",
            "datetime_parsing",
            id="naive-datetime",
        ),
        pytest.param({"size": "XL"}, "attributes.size", "extra_forbidden", id="unknown"),
    ],
)
async def test_create_item_with_attributes_breaking_the_schema_names_the_attribute(
    client: httpx.AsyncClient,
    flower_type: dict[str, Any],
    admin_headers: dict[str, str],
    attributes: dict[str, Any],
    field: str,
    code: str,
) -> None:
    body = item_body(flower_type, attributes={"color": "red", **attributes})
    response = await client.post("/api/v1/items", json=body, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert error_fields(response) == {field: code}


async def test_create_item_without_required_attribute_names_it_missing(
    client: httpx.AsyncClient, flower_type: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    body = item_body(flower_type, attributes={"stems": 3})
    response = await client.post("/api/v1/items", json=body, headers=admin_headers)
    assert response.status_code == 422
    assert error_fields(response) == {"attributes.color": "missing"}


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        pytest.param({"colour": "red"}, "colour", id="unknown-top-level-field"),
        pytest.param({"price": "-0.01"}, "price", id="negative-price"),
        pytest.param({"price": "1000000000000"}, "price", id="huge-price"),
        pytest.param({"price": "1.00001"}, "price", id="too-many-decimals"),
        pytest.param({"price": "abc"}, "price", id="non-numeric-price"),
        pytest.param({"currency": "rub"}, "currency", id="lowercase-currency"),
        pytest.param({"sku": "   "}, "sku", id="blank-sku"),
        pytest.param({"stock": "-1"}, "stock", id="negative-stock"),
    ],
)
async def test_create_item_with_bad_top_level_input_names_the_field(
    client: httpx.AsyncClient,
    flower_type: dict[str, Any],
    admin_headers: dict[str, str],
    extra: dict[str, Any],
    field: str,
) -> None:
    response = await client.post(
        "/api/v1/items", json=item_body(flower_type, **extra), headers=admin_headers
    )
    assert response.status_code == 422
    assert field in error_fields(response)


async def test_create_item_with_duplicate_sku_names_sku(
    client: httpx.AsyncClient,
    container: Container,
    flower_type: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    await make_item(container, flower_type["id"], sku="ROSE-1", attributes={"color": "red"})
    response = await client.post(
        "/api/v1/items", json=item_body(flower_type), headers=admin_headers
    )
    assert response.status_code == 422
    assert error_fields(response) == {"sku": "taken"}


async def test_create_item_with_unknown_type_category_or_unit_names_each(
    client: httpx.AsyncClient, flower_type: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    unknown_type = item_body(flower_type, item_type_id=999_999)
    response = await client.post("/api/v1/items", json=unknown_type, headers=admin_headers)
    assert error_fields(response) == {"item_type_id": "not_found"}
    unknown_refs = item_body(flower_type, category_id=999_999, unit_id=999_999)
    response = await client.post("/api/v1/items", json=unknown_refs, headers=admin_headers)
    assert error_fields(response) == {"category_id": "not_found", "unit_id": "not_found"}


async def test_update_item_changes_fields_and_merges_attributes(
    client: httpx.AsyncClient,
    container: Container,
    flower_type: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    item = await make_item(container, flower_type["id"], attributes={"color": "red", "stems": 5})
    response = await client.patch(
        f"/api/v1/items/{item['id']}",
        json={"name": "Роза белая", "price": "99.90", "attributes": {"color": "white"}},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["price"]) == ("Роза белая", "99.90")
    assert updated["attributes"] == {"color": "white", "stems": 5}
    assert updated["version"] == 2


async def test_update_item_attribute_to_null_removes_it_but_not_a_required_one(
    client: httpx.AsyncClient,
    container: Container,
    flower_type: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    item = await make_item(container, flower_type["id"], attributes={"color": "red", "stems": 5})
    url = f"/api/v1/items/{item['id']}"
    removed = await client.patch(url, json={"attributes": {"stems": None}}, headers=admin_headers)
    assert removed.json()["attributes"] == {"color": "red"}
    required = await client.patch(url, json={"attributes": {"color": None}}, headers=admin_headers)
    assert required.status_code == 422
    assert error_fields(required) == {"attributes.color": "missing"}


async def test_update_item_with_bad_attribute_names_it_and_keeps_the_item(
    client: httpx.AsyncClient,
    container: Container,
    flower_type: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    item = await make_item(container, flower_type["id"], attributes={"color": "red"})
    url = f"/api/v1/items/{item['id']}"
    response = await client.patch(url, json={"attributes": {"stems": 500}}, headers=admin_headers)
    assert response.status_code == 422
    assert error_fields(response) == {"attributes.stems": "less_than_equal"}
    assert (await client.get(url, headers=admin_headers)).json()["version"] == 1


async def test_update_item_to_another_items_sku_names_sku(
    client: httpx.AsyncClient,
    container: Container,
    flower_type: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    attrs = {"color": "red"}
    await make_item(container, flower_type["id"], sku="TAKEN", attributes=attrs)
    item = await make_item(container, flower_type["id"], sku="MINE", attributes=attrs)
    url = f"/api/v1/items/{item['id']}"
    response = await client.patch(url, json={"sku": "TAKEN"}, headers=admin_headers)
    assert error_fields(response) == {"sku": "taken"}
    same = await client.patch(url, json={"sku": "MINE", "price": "1"}, headers=admin_headers)
    assert same.status_code == 200


async def test_delete_item_removes_it(
    client: httpx.AsyncClient,
    container: Container,
    flower_type: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    item = await make_item(container, flower_type["id"], attributes={"color": "red"})
    response = await client.delete(f"/api/v1/items/{item['id']}", headers=admin_headers)
    assert response.status_code == 204
    gone = await client.get(f"/api/v1/items/{item['id']}", headers=admin_headers)
    assert gone.status_code == 404
    assert gone.headers["content-type"] == "application/problem+json"


async def test_get_unknown_item_is_not_found(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/items/424242", headers=admin_headers)
    assert response.status_code == 404


async def test_item_prices_keep_cents_exactly(
    client: httpx.AsyncClient, flower_type: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    body = item_body(flower_type, price="999999999999.99")
    response = await client.post("/api/v1/items", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    assert Decimal(response.json()["price"]) == Decimal("999999999999.99")
