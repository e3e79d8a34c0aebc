"""The API documentation works without a CDN: every asset comes from this server."""

from __future__ import annotations

import re

import httpx


async def test_docs_page_loads_swagger_from_vendored_assets(client: httpx.AsyncClient) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "cdn." not in page.text
    assets = re.findall(r"""(?:src|href)=['"](/static/[^'"]+)['"]""", page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    for asset in assets:
        served = await client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100


async def test_openapi_spec_lists_the_v1_resources(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    for path in (
        "/api/v1/orders",
        "/api/v1/items",
        "/api/v1/order-types",
        "/api/v1/users",
        "/api/v1/orders/{order_id}/transitions",
        "/api/v1/audit",
    ):
        assert path in spec["paths"], path
