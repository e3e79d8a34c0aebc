"""Request bodies over settings.max_body_bytes are refused with 413, declared or streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import orjson

from orderdesk.container import Container

UNITS = "/api/v1/units"


def oversized_body(container: Container) -> bytes:
    name = "x" * (container.settings.max_body_bytes + 10)
    return orjson.dumps({"code": "north", "name": name})


async def test_body_over_limit_by_content_length_is_413_problem(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    response = await client.post(
        UNITS,
        content=oversized_body(container),
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/payload-too-large"
    assert str(container.settings.max_body_bytes) in body["detail"]


async def test_streamed_body_over_limit_is_413_problem(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    payload = oversized_body(container)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 64 * 1024):
            yield payload[start : start + 64 * 1024]

    response = await client.post(
        UNITS, content=chunks(), headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/payload-too-large"
    listed = await client.get(UNITS, headers=admin_headers)
    assert listed.json()["items"] == []


async def test_streamed_body_under_limit_is_accepted(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"code": "north", '
        yield '"name": "Северный"}'.encode()

    response = await client.post(
        UNITS, content=chunks(), headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 201


async def test_body_just_under_limit_passes_the_size_check(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    body = b" " * (container.settings.max_body_bytes - 40) + b'{"code": "north", "name": "N"}'
    assert len(body) <= container.settings.max_body_bytes
    response = await client.post(
        UNITS, content=body, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 201


async def test_invalid_content_length_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        UNITS,
        content=b"{}",
        headers={**admin_headers, "Content-Type": "application/json", "Content-Length": "lots"},
    )
    assert response.status_code == 413
