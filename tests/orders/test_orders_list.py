"""Listing orders: filters, search by number and Cyrillic item names, totals, pagination."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from orderdesk.orders.models import Order
from tests.conftest import UserFactory
from tests.factories import (
    free_line,
    make_item,
    make_item_type,
    make_order,
    make_order_type,
    make_unit,
    set_created_at,
)


async def list_numbers(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[str]:
    params.setdefault("sort", "number")
    response = await client.get("/api/v1/orders", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [order["number"] for order in response.json()["items"]]


@pytest.fixture
async def numbered(container: Container) -> None:
    await make_order_type(container, "request", number_format="R-{seq}")


async def test_list_filters_by_status_and_order_type(
    client: httpx.AsyncClient, container: Container, numbered: None, admin_headers: dict[str, str]
) -> None:
    booking = await make_order_type(container, "booking", number_format="B-{seq}")
    first = await make_order(container)
    await make_order(container)
    await make_order(container, "booking")
    await client.post(
        f"/api/v1/orders/{first['id']}/transitions", json={"to": "accepted"}, headers=admin_headers
    )
    assert await list_numbers(client, admin_headers, status="accepted") == ["R-1"]
    assert await list_numbers(client, admin_headers, status="pending") == ["B-1", "R-2"]
    assert await list_numbers(client, admin_headers, order_type_id=booking["id"]) == ["B-1"]


async def test_list_filters_by_customer_unit_and_channel(
    client: httpx.AsyncClient,
    container: Container,
    numbered: None,
    make_user: UserFactory,
    admin_headers: dict[str, str],
) -> None:
    north = await make_unit(container)
    customer = await make_user("customer")
    await make_order(container, customer_id=customer.id)
    await make_order(container, unit_id=north["id"], channel="telegram")
    await make_order(container, channel="web")
    assert await list_numbers(client, admin_headers, customer_id=customer.id) == ["R-1"]
    assert await list_numbers(client, admin_headers, unit_id=north["id"]) == ["R-2"]
    assert await list_numbers(client, admin_headers, channel="web") == ["R-3"]
    assert await list_numbers(client, admin_headers, channel="api") == ["R-1"]


async def test_list_filters_by_created_date_range(
    client: httpx.AsyncClient, container: Container, numbered: None, admin_headers: dict[str, str]
) -> None:
    for day in (9, 10, 11):
        order = await make_order(container)
        await set_created_at(container, Order, order["id"], datetime(2026, 3, day, 23, tzinfo=UTC))
    on_the_10th = {"created_from": "2026-03-10", "created_to": "2026-03-11"}
    assert await list_numbers(client, admin_headers, **on_the_10th) == ["R-2"]
    zoned = {"created_from": "2026-03-11T00:00:00+03:00"}
    assert await list_numbers(client, admin_headers, **zoned) == ["R-2", "R-3"]


async def test_list_filters_by_total_range_inclusive(
    client: httpx.AsyncClient, container: Container, numbered: None, admin_headers: dict[str, str]
) -> None:
    for price in ("99.99", "100", "250.50", "250.51"):
        await make_order(container, lines=[free_line(unit_price=price)])
    bounded = {"total_min": "100", "total_max": "250.50"}
    assert await list_numbers(client, admin_headers, **bounded) == ["R-2", "R-3"]
    assert await list_numbers(client, admin_headers, total_max="99.99") == ["R-1"]


async def test_search_by_number_and_by_cyrillic_item_name(
    client: httpx.AsyncClient, container: Container, numbered: None, admin_headers: dict[str, str]
) -> None:
    rose = await make_item(container, (await make_item_type(container))["id"], name="Роза красная")
    await make_order(container, lines=[{"item_id": rose["id"], "quantity": "1"}])
    await make_order(container, lines=[free_line("Тюльпан")])
    await make_order(container, lines=[free_line("Доставка курьером")])
    assert await list_numbers(client, admin_headers, q="РОЗА") == ["R-1"]
    assert await list_numbers(client, admin_headers, q="тюльп") == ["R-2"]
    assert await list_numbers(client, admin_headers, q="r-3") == ["R-3"]
    assert await list_numbers(client, admin_headers, q="роза доставка") == []


async def test_include_total_counts_every_matching_order(
    client: httpx.AsyncClient, container: Container, numbered: None, admin_headers: dict[str, str]
) -> None:
    for _ in range(5):
        await make_order(container)
    response = await client.get(
        "/api/v1/orders", params={"include_total": "true", "limit": 2}, headers=admin_headers
    )
    assert (len(response.json()["items"]), response.json()["total"]) == (2, 5)
    without = await client.get("/api/v1/orders", params={"limit": 2}, headers=admin_headers)
    assert "total" not in without.json()


@pytest.mark.parametrize("sort", ["total", "-total", "created_at", "-created_at"])
async def test_sorted_pages_cover_every_order_exactly_once(
    client: httpx.AsyncClient,
    container: Container,
    numbered: None,
    admin_headers: dict[str, str],
    sort: str,
) -> None:
    prices = ["10", "5", "10", "7.5", "10", "5", "100", "0.01", "7.5", "10", "3"]
    for n, price in enumerate(prices):
        order = await make_order(container, lines=[free_line(unit_price=price)])
        when = datetime(2026, 1, 1 + n % 4, tzinfo=UTC)  # equal timestamps need the id tiebreak
        await set_created_at(container, Order, order["id"], when)
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"sort": sort, "limit": 3}
    while True:
        page = (await client.get("/api/v1/orders", params=params, headers=admin_headers)).json()
        seen.extend(page["items"])
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert sorted(o["number"] for o in seen) == sorted(f"R-{n}" for n in range(1, 12))
    key = sort.lstrip("-")
    values = [(float(o[key]) if key == "total" else o[key], o["id"]) for o in seen]
    assert values == sorted(values, reverse=sort.startswith("-"))
