"""Login rate limits per username and per client address, with Retry-After."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from orderdesk.app import create_app
from orderdesk.container import Container
from tests.conftest import PASSWORD, UserFactory, make_settings

LOGIN = "/api/v1/auth/login"
ClientFor = Callable[[str], httpx.AsyncClient]


@pytest.fixture
async def strict_app(container: Container, database_url: str) -> AsyncIterator[FastAPI]:
    """An app allowing 3 logins a minute per username and 5 per address."""
    settings = make_settings(
        database_url, login_rate_per_username="3/minute", login_rate_per_ip="5/minute"
    )
    built = Container.build(settings)
    await built.rate_limiter.reset()
    yield create_app(container=built)
    await built.rate_limiter.reset()
    await built.close()


@pytest.fixture
async def client_from(strict_app: FastAPI) -> AsyncIterator[ClientFor]:
    """Clients of the strict app, each connecting from the given address."""
    opened: list[httpx.AsyncClient] = []

    def make(ip: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=strict_app, client=(ip, 40000))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append(http)
        return http

    yield make
    for http in opened:
        await http.aclose()


async def test_login_attempts_per_username_over_the_rate_get_429_with_retry_after(
    client_from: ClientFor, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    client = client_from("10.0.0.1")
    for _ in range(3):
        response = await client.post(LOGIN, json={"username": "ivan", "password": "wrong-pass"})
        assert response.status_code == 401

    limited = await client.post(LOGIN, json={"username": "ivan", "password": PASSWORD})

    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert limited.json()["type"] == "/problems/rate-limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 61


async def test_username_limit_ignores_case_and_other_addresses(
    client_from: ClientFor, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    for ip, typed in (("10.0.0.1", "ivan"), ("10.0.0.2", "IVAN"), ("10.0.0.3", "Ivan")):
        await client_from(ip).post(LOGIN, json={"username": typed, "password": "wrong-pass"})
    limited = await client_from("10.0.0.4").post(
        LOGIN, json={"username": "ivan", "password": PASSWORD}
    )
    assert limited.status_code == 429


async def test_username_limit_leaves_other_usernames_alone(
    client_from: ClientFor, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    await make_user("staff", username="olga")
    client = client_from("10.0.0.1")
    for _ in range(3):
        await client.post(LOGIN, json={"username": "ivan", "password": "wrong-pass"})
    response = await client.post(LOGIN, json={"username": "olga", "password": PASSWORD})
    assert response.status_code == 200


async def test_login_attempts_per_address_over_the_rate_get_429(
    client_from: ClientFor, make_user: UserFactory
) -> None:
    await make_user("staff", username="olga")
    client = client_from("10.0.0.9")
    for n in range(5):
        response = await client.post(
            LOGIN, json={"username": f"guess{n}", "password": "wrong-pass"}
        )
        assert response.status_code == 401

    limited = await client.post(LOGIN, json={"username": "olga", "password": PASSWORD})
    elsewhere = await client_from("10.0.0.10").post(
        LOGIN, json={"username": "olga", "password": PASSWORD}
    )

    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert elsewhere.status_code == 200


async def test_rate_limited_login_is_audited(
    client_from: ClientFor, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    client = client_from("10.0.0.1")
    for _ in range(4):
        await client.post(LOGIN, json={"username": "ivan", "password": "wrong-pass"})
    await make_user("admin", username="boss")
    boss = await client_from("10.0.0.2").post(
        LOGIN, json={"username": "boss", "password": PASSWORD}
    )
    token = boss.json()["access_token"]
    response = await client.get(
        "/api/v1/audit",
        params={"action": "auth.login_rate_limited"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert [e["actor_label"] for e in response.json()["items"]] == ["ivan"]
