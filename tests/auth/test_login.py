"""Password login, refresh rotation, logout."""

from __future__ import annotations

import httpx

from tests.conftest import PASSWORD, LoginFactory, UserFactory


async def test_login_returns_token_pair_and_me_shows_user(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user("manager", username="olga")
    response = await client.post(
        "/api/v1/auth/login", json={"username": "OLGA", "password": PASSWORD}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["username"] == "olga"
    assert me.json()["role"] == "manager"


async def test_wrong_password_is_401_problem(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    response = await client.post(
        "/api/v1/auth/login", json={"username": "ivan", "password": "nope"}
    )
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/unauthorized"


async def test_logout_ends_access_token_at_once(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    headers = await login(await make_user("staff"))
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401
