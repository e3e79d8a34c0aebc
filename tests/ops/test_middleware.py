"""Request ids, security headers and CORS on every response."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from orderdesk.app import create_app
from orderdesk.container import Container
from tests.conftest import make_settings


async def test_given_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": "abc-123.x:y_z"})
    assert response.headers["x-request-id"] == "abc-123.x:y_z"


async def test_missing_request_id_is_generated_fresh_per_request(
    client: httpx.AsyncClient,
) -> None:
    first = (await client.get("/health/live")).headers["x-request-id"]
    second = (await client.get("/health/live")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first)
    assert first != second


@pytest.mark.parametrize("bad", ["x" * 200, "has space", "new\\nline", "<script>", "ид-запроса"])
async def test_invalid_request_id_is_replaced(client: httpx.AsyncClient, bad: str) -> None:
    response = await client.get("/health/live", headers={"X-Request-ID": bad.encode("utf-8")})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])


async def test_error_responses_carry_the_request_id_too(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/auth/me", headers={"X-Request-ID": "req-401"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "req-401"


@pytest.mark.parametrize("path", ["/health/live", "/api/v1/auth/me", "/nowhere"])
async def test_security_headers_on_every_response(client: httpx.AsyncClient, path: str) -> None:
    headers = (await client.get(path)).headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert "strict-transport-security" not in headers


async def test_docs_get_a_csp_that_lets_the_page_run(client: httpx.AsyncClient) -> None:
    response = await client.get("/docs")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp


async def test_production_adds_hsts(container: Container, database_url: str) -> None:
    settings = make_settings(
        database_url,
        environment="production",
        secret_keys=["a-production-secret-that-is-long-enough-42"],
        allow_sqlite_in_production=True,
    )
    app = create_app(settings, container=container)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.get("/health/live")
    assert response.headers["strict-transport-security"].startswith("max-age=")


@pytest.fixture
async def cors_client(container: Container, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    settings = make_settings(database_url, cors_origins=["https://shop.example"])
    transport = httpx.ASGITransport(app=create_app(settings, container=container))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Idempotency-Key",
    }


async def test_cors_preflight_from_allowed_origin_is_allowed(
    cors_client: httpx.AsyncClient,
) -> None:
    response = await cors_client.options("/api/v1/units", headers=preflight("https://shop.example"))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://shop.example"
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "idempotency-key" in response.headers["access-control-allow-headers"].lower()


async def test_cors_preflight_from_other_origin_gets_no_allow_origin(
    cors_client: httpx.AsyncClient,
) -> None:
    response = await cors_client.options("/api/v1/units", headers=preflight("https://evil.example"))
    assert "access-control-allow-origin" not in response.headers


async def test_cors_simple_request_exposes_headers_to_allowed_origin_only(
    cors_client: httpx.AsyncClient,
) -> None:
    allowed = await cors_client.get("/health/live", headers={"Origin": "https://shop.example"})
    other = await cors_client.get("/health/live", headers={"Origin": "https://evil.example"})
    assert allowed.headers["access-control-allow-origin"] == "https://shop.example"
    assert "etag" in allowed.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in other.headers


async def test_without_cors_origins_no_cors_headers_are_sent(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/units", headers=preflight("https://shop.example"))
    assert "access-control-allow-origin" not in response.headers
