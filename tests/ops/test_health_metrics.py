"""Liveness, readiness against the real database, and Prometheus metrics by route template."""

from __future__ import annotations

import re

import httpx
from starlette.routing import Route

from orderdesk.app import create_app
from orderdesk.container import Container
from orderdesk.ops.middleware import route_template
from tests.conftest import make_settings

# Nothing listens on port 1, so connecting fails at once.
UNREACHABLE_DB = "postgresql+asyncpg://postgres@127.0.0.1:1/orderdesk"


async def test_live_is_200(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_is_200_with_database_and_migrations_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok"},
    }


async def test_ready_is_503_when_the_database_is_unreachable(database_url: str) -> None:
    broken = Container.build(make_settings(UNREACHABLE_DB))
    try:
        transport = httpx.ASGITransport(app=create_app(container=broken))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            ready = await http.get("/health/ready")
            live = await http.get("/health/live")
    finally:
        await broken.close()
    assert ready.status_code == 503
    body = ready.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"].startswith("error")
    assert "migrations" not in body["checks"]
    assert live.status_code == 200


async def test_ready_is_503_when_migrations_are_behind(tmp_path: object) -> None:
    empty = Container.build(make_settings(f"sqlite+aiosqlite:///{tmp_path}/empty.db"))
    try:
        transport = httpx.ASGITransport(app=create_app(container=empty))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            response = await http.get("/health/ready")
    finally:
        await empty.close()
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["migrations"].startswith("at None")


def metric_value(text: str, method: str, route: str, status: str) -> float:
    labels = f'method="{method}",route="{route}",status="{status}"'
    pattern = rf"^orderdesk_http_requests_total\{{{re.escape(labels)}\}} (\S+)$"
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


async def test_metrics_count_requests_by_route_template_and_status(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    route = "/api/v1/users/{user_id}"
    before = (await client.get("/metrics")).text
    await client.get("/api/v1/users/987654", headers=admin_headers)
    await client.get("/api/v1/users/987655", headers=admin_headers)

    response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    grown = metric_value(text, "GET", route, "404") - metric_value(before, "GET", route, "404")
    assert grown == 2
    assert "987654" not in text
    assert "orderdesk_http_request_duration_seconds_bucket" in text


async def test_metrics_put_unknown_paths_under_one_label(client: httpx.AsyncClient) -> None:
    await client.get("/random/path/12345")
    text = (await client.get("/metrics")).text
    assert metric_value(text, "GET", "<unmatched>", "404") >= 1
    assert "/random/path/12345" not in text


def _endpoint() -> None:
    """A route target for the template tests; never called."""


def test_route_template_adds_the_include_prefix_to_a_bare_route() -> None:
    route = Route("/files/{rest:path}", _endpoint)
    scope = {"route": route, "path": "/api/v1/files/a/b.txt"}
    assert route_template(scope) == "/api/v1/files/{rest}"


def test_route_template_keeps_a_route_that_already_matches_the_whole_path() -> None:
    route = Route("/api/v1/users/{user_id}", _endpoint)
    assert route_template({"route": route, "path": "/api/v1/users/7"}) == (
        "/api/v1/users/{user_id}"
    )
    assert route_template({"path": "/nowhere"}) == "<unmatched>"
