"""LeanRoute: simple endpoints skip FastAPI's dependency solver and behave exactly the same."""

from __future__ import annotations

from typing import Any

import httpx

from orderdesk.core.routing import LeanRoute


def _route(app: Any, method: str, path: str) -> LeanRoute:
    found = [
        route
        for route in app.routes
        if isinstance(route, LeanRoute) and route.path == path and method in route.methods
    ]
    assert len(found) == 1
    return found[0]


def test_reads_and_deletes_are_lean_and_writes_with_a_body_keep_fastapi(app: Any) -> None:
    assert _route(app, "GET", "/api/v1/orders/{order_id}").lean
    assert _route(app, "GET", "/api/v1/orders").lean  # query parameters and page parameters
    assert _route(app, "DELETE", "/api/v1/orders/{order_id}").lean
    assert not _route(app, "POST", "/api/v1/orders").lean  # a JSON body
    assert not _route(app, "PATCH", "/api/v1/orders/{order_id}").lean


async def test_without_a_token_a_bad_id_is_refused_as_unauthenticated_first(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/orders/abc")

    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_every_bad_parameter_of_a_lean_list_is_named_in_one_answer(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get(
        "/api/v1/orders",
        params={"limit": "0", "created_from": "yesterday", "channel": "pigeon"},
        headers=admin_headers,
    )

    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"limit", "created_from", "channel"}


async def test_a_bad_path_parameter_of_a_lean_read_names_the_parameter(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/orders/abc", headers=admin_headers)

    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["order_id"]


async def test_a_lean_list_reads_its_query_and_page_parameters(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get(
        "/api/v1/orders", params={"limit": "5", "include_total": "true"}, headers=admin_headers
    )

    assert response.status_code == 200
    assert response.json()["items"] == []
    assert response.json()["total"] == 0
