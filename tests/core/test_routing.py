"""LeanRoute: simple endpoints skip FastAPI's dependency solver and behave exactly the same."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import Body, FastAPI, Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from orderdesk.core.errors import install_error_handlers
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
    assert _route(app, "POST", "/api/v1/orders").lean  # one JSON body
    assert _route(app, "PATCH", "/api/v1/orders/{order_id}").lean  # If-Match read from Request
    assert not _route(app, "POST", "/api/v1/imports").lean  # a multipart form


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


async def test_without_a_token_a_body_that_breaks_its_model_is_refused_as_unauthenticated(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post("/api/v1/orders", json={"lines": "many"})

    assert response.status_code == 401


class _Line(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    quantity: int = Field(gt=0)


class _Echo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str
    lines: list[_Line] = []


async def _echo(body: _Echo, request: Request) -> Response:
    return Response(body.model_dump_json(), media_type="application/json")


async def _embedded(body: _Echo = Body(embed=True)) -> Response:  # noqa: B008
    return Response(body.model_dump_json(), media_type="application/json")


@pytest.fixture
async def twins() -> Any:
    """The same endpoint served by FastAPI's route and by a LeanRoute."""
    app = FastAPI()
    install_error_handlers(app)
    app.router.add_api_route("/fastapi", _echo, methods=["POST"])
    app.router.add_api_route("/lean", _echo, methods=["POST"], route_class_override=LeanRoute)
    app.router.add_api_route(
        "/embedded", _embedded, methods=["POST"], route_class_override=LeanRoute
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield app, http


GOOD = json.dumps({"title": "Заказ", "lines": [{"name": "Роза", "quantity": 3}]}).encode()
BODIES = {
    "valid": (GOOD, "application/json"),
    "valid, +json subtype": (GOOD, "application/vnd.orders+json; charset=utf-8"),
    "empty": (b"", "application/json"),
    "malformed JSON": (b'{"title": "x",', "application/json"),
    "not an object": (b"[1, 2]", "application/json"),
    "wrong types deep inside": (
        b'{"title": 5, "lines": [{"name": "", "quantity": -1}]}',
        "application/json",
    ),
    "an unknown field": (b'{"title": "x", "extra": 1}', "application/json"),
    "no content type": (GOOD, ""),
    "text/plain": (GOOD, "text/plain"),
    "invalid UTF-8": (b'{"title": "\xff"}', "application/json"),
}


@pytest.mark.parametrize("case", BODIES)
async def test_a_lean_json_body_is_read_validated_and_refused_exactly_as_fastapi_does(
    twins: Any, case: str
) -> None:
    app, http = twins
    content, content_type = BODIES[case]
    headers = {"content-type": content_type} if content_type else {}

    ours = await http.post("/lean", content=content, headers=headers)
    theirs = await http.post("/fastapi", content=content, headers=headers)

    assert next(r for r in app.routes if getattr(r, "path", "") == "/lean").lean
    assert not isinstance(next(r for r in app.routes if r.path == "/fastapi"), LeanRoute)
    assert ours.status_code == theirs.status_code
    assert {**ours.json(), "instance": "/"} == {**theirs.json(), "instance": "/"}
    expected = 200 if case.startswith("valid") else 400 if case == "invalid UTF-8" else 422
    assert ours.status_code == expected


def test_an_embedded_body_keeps_fastapi(twins: Any) -> None:
    app, _ = twins
    route = next(r for r in app.routes if getattr(r, "path", "") == "/embedded")

    assert isinstance(route, APIRoute)
    assert not route.lean
