"""Password login: usernames and e-mails, failures, lockout, inactive accounts, logout, audit."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import PASSWORD, LoginFactory, UserFactory

LOGIN = "/api/v1/auth/login"


async def audit_entries(
    client: httpx.AsyncClient, headers: dict[str, str], action: str
) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/audit", params={"action": action}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_login_returns_token_pair_and_me_shows_user(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user("manager", username="olga")
    response = await client.post(LOGIN, json={"username": "olga", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["refresh_token"]
    assert body["expires_in"] > 0
    assert response.headers["cache-control"] == "no-store"
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["username"] == "olga"
    assert me.json()["role"] == "manager"


@pytest.mark.parametrize("typed", ["OLGA", "Olga", "  olga  "])
async def test_login_username_is_case_insensitive(
    client: httpx.AsyncClient, make_user: UserFactory, typed: str
) -> None:
    await make_user("manager", username="olga")
    response = await client.post(LOGIN, json={"username": typed, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def test_login_by_email_in_any_case(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan", email="ivan@shop.example")
    response = await client.post(
        LOGIN, json={"username": "Ivan@Shop.Example", "password": PASSWORD}
    )
    assert response.status_code == 200, response.text


async def test_wrong_password_is_401_problem(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    response = await client.post(LOGIN, json={"username": "ivan", "password": "nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/unauthorized"
    assert body["status"] == 401
    assert body["detail"] == "Wrong username or password."


async def test_unknown_user_gets_the_same_answer_as_a_wrong_password(
    client: httpx.AsyncClient, make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    wrong = await client.post(LOGIN, json={"username": "ivan", "password": "nope"})
    unknown = await client.post(LOGIN, json={"username": "nobody", "password": "nope"})
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.json() == wrong.json()


async def test_successful_and_failed_logins_are_audited(
    client: httpx.AsyncClient, make_user: UserFactory, admin_headers: dict[str, str]
) -> None:
    ivan = await make_user("staff", username="ivan")
    await client.post(LOGIN, json={"username": "ivan", "password": "wrong-password"})
    await client.post(LOGIN, json={"username": "ivan", "password": PASSWORD})

    failed = await audit_entries(client, admin_headers, "auth.login_failed")
    assert [(e["entity_id"], e["success"], e["actor_label"]) for e in failed] == [
        (str(ivan.id), False, "ivan")
    ]
    succeeded = [
        e
        for e in await audit_entries(client, admin_headers, "auth.login")
        if e["actor_id"] == ivan.id
    ]
    assert len(succeeded) == 1
    assert succeeded[0]["success"] is True
    assert succeeded[0]["ip"] == "127.0.0.1"


async def test_account_locks_after_threshold_failures_even_for_right_password(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    container: Container,
    admin_headers: dict[str, str],
) -> None:
    ivan = await make_user("staff", username="ivan")
    threshold = container.settings.lockout_threshold
    assert threshold == 5
    for _ in range(threshold):
        failed = await client.post(LOGIN, json={"username": "ivan", "password": "wrong-password"})
        assert failed.status_code == 401

    locked = await client.post(LOGIN, json={"username": "ivan", "password": PASSWORD})

    assert locked.status_code == 423
    assert locked.headers["content-type"] == "application/problem+json"
    assert locked.json()["type"] == "/problems/account-locked"
    retry_after = int(locked.headers["retry-after"])
    assert 0 < retry_after <= container.settings.lockout_minutes * 60 + 1
    lockouts = await audit_entries(client, admin_headers, "auth.lockout")
    assert [e["entity_id"] for e in lockouts] == [str(ivan.id)]


async def test_fewer_failures_than_threshold_do_not_lock(
    client: httpx.AsyncClient, make_user: UserFactory, container: Container
) -> None:
    await make_user("staff", username="ivan")
    for _ in range(container.settings.lockout_threshold - 1):
        await client.post(LOGIN, json={"username": "ivan", "password": "wrong-password"})
    response = await client.post(LOGIN, json={"username": "ivan", "password": PASSWORD})
    assert response.status_code == 200


async def test_successful_login_resets_the_failure_count(
    client: httpx.AsyncClient, make_user: UserFactory, container: Container
) -> None:
    await make_user("staff", username="ivan")
    almost = container.settings.lockout_threshold - 1
    for _ in range(2):
        for _ in range(almost):
            await client.post(LOGIN, json={"username": "ivan", "password": "wrong-password"})
        response = await client.post(LOGIN, json={"username": "ivan", "password": PASSWORD})
        assert response.status_code == 200


@pytest.mark.parametrize("status", ["pending", "blocked"])
async def test_inactive_user_cannot_log_in_with_right_password(
    client: httpx.AsyncClient, make_user: UserFactory, status: str
) -> None:
    await make_user("customer", username="anna", status=status)
    response = await client.post(LOGIN, json={"username": "anna", "password": PASSWORD})
    assert response.status_code == 401
    assert status in response.json()["detail"]


async def test_login_body_with_unknown_field_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        LOGIN, json={"username": "ivan", "password": PASSWORD, "remember": True}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["code"]) == ("remember", "extra_forbidden")


async def test_logout_ends_access_token_at_once(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    headers = await login(await make_user("staff"))
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 401


async def test_logout_ends_only_this_session(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    user = await make_user("staff")
    phone, laptop = await login(user), await login(user)
    assert (await client.post("/api/v1/auth/logout", headers=phone)).status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=laptop)).status_code == 200


async def test_logout_everywhere_ends_every_session_of_the_user(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    user = await make_user("staff")
    other_user = await login(await make_user("staff"))
    phone, laptop = await login(user), await login(user)
    response = await client.post("/api/v1/auth/logout", json={"everywhere": True}, headers=phone)
    assert response.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=phone)).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=laptop)).status_code == 401
    assert (await client.get("/api/v1/auth/me", headers=other_user)).status_code == 200
