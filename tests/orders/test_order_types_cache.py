"""Order types are cached for order creation; every change is visible to the next order at once."""

from __future__ import annotations

from typing import Any

import httpx

from orderdesk.container import Container
from orderdesk.orders.types_cache import PREFIX
from tests.factories import free_line, make_order_type

ORDERS = "/api/v1/orders"


async def post_order(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> httpx.Response:
    body = {"order_type": "request", "lines": [free_line(unit_price="100")], **fields}
    return await client.post(ORDERS, json=body, headers=headers)


async def test_order_create_fills_the_cache(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    await make_order_type(container)
    assert (await post_order(client, admin_headers)).status_code == 201
    cached = await container.cache.get(f"{PREFIX}code:request")
    assert cached is not None
    assert cached["code"] == "request"


async def test_order_type_update_is_visible_to_the_next_order_immediately(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    order_type = await make_order_type(container, vat_rate="0", prices_include_vat=False)
    first = await post_order(client, admin_headers)
    patched = await client.patch(
        f"/api/v1/order-types/{order_type['id']}",
        json={"vat_rate": "20"},
        headers=admin_headers,
    )
    second = await post_order(client, admin_headers)

    assert patched.status_code == 200, patched.text
    assert first.json()["total"] == "100.00"
    assert second.json()["total"] == "120.00"


async def test_deactivated_order_type_refuses_the_next_order_immediately(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    order_type = await make_order_type(container)
    assert (await post_order(client, admin_headers)).status_code == 201
    await client.patch(
        f"/api/v1/order-types/{order_type['id']}", json={"active": False}, headers=admin_headers
    )
    refused = await post_order(client, admin_headers)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "order_type"


async def test_deleted_order_type_is_forgotten_by_the_cache(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    order_type = await make_order_type(container)
    await container.cache.set(f"{PREFIX}code:request", {"stale": True}, ttl=60)
    deleted = await client.delete(f"/api/v1/order-types/{order_type['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    assert await container.cache.get(f"{PREFIX}code:request") is None
    refused = await post_order(client, admin_headers)
    assert refused.status_code == 422
