"""Exports hold exactly the rows the list endpoints would show this user with these filters."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import httpx

from orderdesk.catalog.models import Item
from orderdesk.container import Container
from tests.conftest import LoginFactory
from tests.factories import set_created_at
from tests.transfer.export.conftest import Shop


def column(response: httpx.Response, key: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [row[key] for row in csv.DictReader(io.StringIO(response.text, newline=""))]


async def test_staff_exports_only_their_units_and_shared_items(
    client: httpx.AsyncClient, login: LoginFactory, shop: Shop
) -> None:
    headers = await login(shop.staff_north)
    response = await client.get("/api/v1/exports/items", headers=headers)
    assert sorted(column(response, "sku")) == ["DLV", "ROSE-1"]


async def test_customer_exports_only_their_own_orders(
    client: httpx.AsyncClient, login: LoginFactory, shop: Shop
) -> None:
    headers = await login(shop.bob)
    response = await client.get("/api/v1/exports/orders", headers=headers)
    assert column(response, "number") == [shop.bob_order["number"]]
    params = {"format": "json", "lines": "false"}
    response = await client.get("/api/v1/exports/orders", params=params, headers=headers)
    assert [row["number"] for row in response.json()] == [shop.bob_order["number"]]


async def test_staff_of_another_unit_exports_no_orders_of_customers(
    client: httpx.AsyncClient, login: LoginFactory, shop: Shop
) -> None:
    headers = await login(shop.staff_north)
    response = await client.get("/api/v1/exports/orders", headers=headers)
    assert column(response, "number") == []


async def test_export_needs_a_login(client: httpx.AsyncClient, shop: Shop) -> None:
    response = await client.get("/api/v1/exports/items")
    assert response.status_code == 401


async def test_filters_and_search_match_the_list_endpoint(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    for params in (
        {"item_type_id": shop.service["id"]},
        {"q": "тюльпан"},
        {"unit_id": shop.north["id"]},
        {"price_min": "100", "price_max": "200"},
        {"tag": "хит"},
    ):
        listed = await client.get("/api/v1/items", params=params, headers=admin_headers)
        exported = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
        assert sorted(column(exported, "sku")) == sorted(i["sku"] for i in listed.json()["items"])
        assert column(exported, "sku"), params


async def test_type_filter_limits_attribute_columns_to_that_type(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"item_type_id": shop.service["id"], "format": "json"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    row = response.json()[0]
    assert row["attr.minutes"] == 90
    assert "attr.color" not in row


async def test_created_range_filters_orders(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop, container: Container
) -> None:
    await set_created_at(container, Item, shop.tulip["id"], datetime(2025, 1, 10, tzinfo=UTC))
    params = {"created_from": "2025-01-01", "created_to": "2025-02-01"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert column(response, "sku") == ["TULIP-1"]


async def test_order_status_filter(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"status": "accepted"}
    response = await client.get("/api/v1/exports/orders", params=params, headers=admin_headers)
    assert column(response, "number") == []
    params = {"status": "pending", "customer_id": shop.alice.id}
    response = await client.get("/api/v1/exports/orders", params=params, headers=admin_headers)
    assert set(column(response, "number")) == {shop.alice_order["number"]}


async def test_sort_orders_the_rows_and_an_unknown_sort_is_a_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"sort": "-price"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert column(response, "sku") == ["DLV", "ROSE-1", "TULIP-1"]
    params = {"sort": "colour"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "sort"


async def test_chosen_columns_come_in_the_chosen_order(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"columns": "price,sku,attr.color"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.text.splitlines()[0] == "price,sku,attr.color"


async def test_unknown_column_is_named_in_a_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"columns": "sku,colour", "lang": "ru"}
    response = await client.get(
        "/api/v1/exports/items", params=params, headers={**admin_headers, "Accept-Language": "ru"}
    )
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "columns"
    assert "colour" in error["message"]
    assert "Неизвестная колонка" in error["message"]


async def test_columns_endpoint_describes_keys_labels_and_types(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    headers = {**admin_headers, "Accept-Language": "ru"}
    response = await client.get("/api/v1/exports/orders/columns", headers=headers)
    columns = {c["key"]: c for c in response.json()}
    assert columns["total"] == {"key": "total", "label": "Итого", "type": "decimal"}
    assert columns["attr.address"]["label"] == "Адрес"
    assert columns["line.quantity"]["type"] == "decimal"
