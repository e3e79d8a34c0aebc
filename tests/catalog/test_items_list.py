"""Listing items: filters, Cyrillic search, sorting and cursor pagination."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderdesk.catalog.models import Item
from orderdesk.container import Container
from tests.factories import error_fields, make_category, make_item, make_item_type, set_created_at


async def list_skus(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    params.setdefault("sort", "sku")
    response = await client.get("/api/v1/items", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [item["sku"] for item in response.json()["items"]]


async def collect_pages(
    client: httpx.AsyncClient, headers: dict[str, str], sort: str, limit: int
) -> list[dict[str, Any]]:
    """Follow next_cursor until the last page; every page but the last is full."""
    seen: list[dict[str, Any]] = []
    params: dict[str, Any] = {"sort": sort, "limit": limit}
    while True:
        response = await client.get("/api/v1/items", params=params, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        seen.extend(page["items"])
        if page["next_cursor"] is None:
            return seen
        assert len(page["items"]) == limit
        params["cursor"] = page["next_cursor"]


async def test_list_filters_by_item_type_and_category(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    flowers, pots = (
        await make_item_type(container, "flower"),
        await make_item_type(container, "pot"),
    )
    roses = await make_category(container, "Розы")
    await make_item(container, flowers["id"], sku="F1", category_id=roses["id"])
    await make_item(container, flowers["id"], sku="F2")
    await make_item(container, pots["id"], sku="P1", category_id=roses["id"])
    assert await list_skus(client, admin_headers, item_type_id=flowers["id"]) == ["F1", "F2"]
    assert await list_skus(client, admin_headers, category_id=roses["id"]) == ["F1", "P1"]
    both = {"item_type_id": pots["id"], "category_id": roses["id"]}
    assert await list_skus(client, admin_headers, **both) == ["P1"]


async def test_list_filters_by_status(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    await make_item(container, item_type["id"], sku="A")
    old = await make_item(container, item_type["id"], sku="B")
    await client.post(
        f"/api/v1/items/{old['id']}/archive", json={"reason": "x"}, headers=admin_headers
    )
    assert await list_skus(client, admin_headers, status="active") == ["A"]
    assert await list_skus(client, admin_headers, status="archived") == ["B"]
    assert await list_skus(client, admin_headers) == ["A", "B"]
    wrong = await client.get("/api/v1/items", params={"status": "gone"}, headers=admin_headers)
    assert "status" in error_fields(wrong)


async def test_list_filters_by_price_range_inclusive(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    for sku, price in (("A", "9.99"), ("B", "10.00"), ("C", "20.00"), ("D", "20.01")):
        await make_item(container, item_type["id"], sku=sku, price=Decimal(price))
    assert await list_skus(client, admin_headers, price_min="10", price_max="20") == ["B", "C"]
    assert await list_skus(client, admin_headers, price_min="20.005") == ["D"]
    assert await list_skus(client, admin_headers, price_max="9.99") == ["A"]


async def test_list_filters_by_tag_case_insensitively_and_whole_tags_only(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    await make_item(container, item_type["id"], sku="A", tags=["Весна", "sale"])
    await make_item(container, item_type["id"], sku="B", tags=["весна-2026"])
    await make_item(container, item_type["id"], sku="C")
    assert await list_skus(client, admin_headers, tag="весна") == ["A"]
    assert await list_skus(client, admin_headers, tag="SALE") == ["A"]


async def test_tag_filter_treats_like_wildcards_as_plain_characters(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    await make_item(container, item_type["id"], sku="A", tags=["50%_off"])
    await make_item(container, item_type["id"], sku="B", tags=["500-off"])
    assert await list_skus(client, admin_headers, tag="50%_off") == ["A"]
    assert await list_skus(client, admin_headers, tag="5_%") == []


async def test_list_filters_by_created_range(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    for sku, day in (("JAN", 10), ("FEB", 11), ("MAR", 12)):
        item = await make_item(container, item_type["id"], sku=sku)
        when = datetime(2026, day - 9, 15, 12, tzinfo=UTC)
        await set_created_at(container, Item, item["id"], when)
    in_feb = {"created_from": "2026-02-01T00:00:00Z", "created_to": "2026-03-01T00:00:00Z"}
    assert await list_skus(client, admin_headers, **in_feb) == ["FEB"]
    since_feb = {"created_from": "2026-02-15T12:00:00+00:00"}
    assert await list_skus(client, admin_headers, **since_feb) == ["FEB", "MAR"]
    until_feb = {"created_to": "2026-02-15T12:00:00Z"}
    assert await list_skus(client, admin_headers, **until_feb) == ["JAN"]


async def test_list_created_range_accepts_plain_dates(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    item = await make_item(container, item_type["id"], sku="FEB")
    await set_created_at(container, Item, item["id"], datetime(2026, 2, 15, tzinfo=UTC))
    in_feb = {"created_from": "2026-02-01", "created_to": "2026-03-01"}
    assert await list_skus(client, admin_headers, **in_feb) == ["FEB"]
    assert await list_skus(client, admin_headers, created_from="2026-03-01") == []


@pytest.mark.parametrize(
    ("name", "q"),
    [
        ("роза красная", "РОЗА"),
        ("Роза КРАСНАЯ", "роза"),
        ("Роза КРАСНАЯ", "роза красная"),
        ("Роза КРАСНАЯ", "красн"),
        ("Роза КРАСНАЯ", "rose-r"),
    ],
)
async def test_search_matches_cyrillic_case_insensitively(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    name: str,
    q: str,
) -> None:
    item_type = await make_item_type(container)
    await make_item(container, item_type["id"], sku="ROSE-RED", name=name)
    await make_item(container, item_type["id"], sku="TULIP", name="Тюльпан жёлтый")
    assert await list_skus(client, admin_headers, q=q) == ["ROSE-RED"]


async def test_search_treats_like_wildcards_literally(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    await make_item(container, item_type["id"], sku="A", name="Скидка 50% на розы")
    await make_item(container, item_type["id"], sku="B", name="Скидка 500 на розы")
    assert await list_skus(client, admin_headers, q="50%") == ["A"]
    assert await list_skus(client, admin_headers, q="%") == ["A"]


@pytest.mark.parametrize("sort", ["price", "-price"])
async def test_sort_by_price_pages_through_every_item_once(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str], sort: str
) -> None:
    item_type = await make_item_type(container)
    prices = [Decimal(p) for p in ("5", "10.5", "10.5", "10.5", "7.25", "100", "0")] * 3
    prices += [Decimal("42"), Decimal("10.5"), Decimal("0"), Decimal("1000000")]
    for n, price in enumerate(prices):
        await make_item(container, item_type["id"], sku=f"S{n:02d}", price=price)
    rows = await collect_pages(client, admin_headers, sort, limit=7)
    assert len(rows) == 25
    assert sorted(r["sku"] for r in rows) == sorted(f"S{n:02d}" for n in range(25))
    ordered = [Decimal(r["price"]) for r in rows]
    assert ordered == sorted(prices, reverse=sort.startswith("-"))
    ties = [r["id"] for r in rows if r["price"] == "10.50"]
    assert ties == sorted(ties, reverse=sort.startswith("-"))


@pytest.mark.parametrize("sort", ["name", "-created_at"])
async def test_other_sorts_page_without_duplicates_or_gaps(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str], sort: str
) -> None:
    item_type = await make_item_type(container)
    for n in range(9):
        await make_item(container, item_type["id"], sku=f"S{n}", name=["Б", "А", "В"][n % 3])
    rows = await collect_pages(client, admin_headers, sort, limit=4)
    assert sorted(r["sku"] for r in rows) == [f"S{n}" for n in range(9)]


async def test_unknown_sort_field_is_rejected(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/items", params={"sort": "secret"}, headers=admin_headers)
    assert response.status_code == 422
    assert error_fields(response) == {"sort": "enum"}


async def test_cursor_from_another_sort_is_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    for n in range(3):
        await make_item(container, item_type["id"], sku=f"S{n}")
    first = await client.get(
        "/api/v1/items", params={"sort": "price", "limit": 1}, headers=admin_headers
    )
    cursor = first.json()["next_cursor"]
    response = await client.get(
        "/api/v1/items", params={"sort": "name", "cursor": cursor}, headers=admin_headers
    )
    assert response.status_code == 422
    assert error_fields(response) == {"cursor": "invalid"}
    garbage = await client.get("/api/v1/items", params={"cursor": "@@@"}, headers=admin_headers)
    assert error_fields(garbage) == {"cursor": "invalid"}
