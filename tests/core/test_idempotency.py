"""Idempotency-Key on creates: a retry replays the first answer; a different body conflicts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from orderdesk.container import Container
from orderdesk.core.http import purge_idempotency
from tests.conftest import PASSWORD, LoginFactory, UserFactory

USERS = "/api/v1/users"
BODY = {"username": "petr", "password": PASSWORD, "role": "staff"}


async def count_users(client: httpx.AsyncClient, headers: dict[str, str], username: str) -> int:
    response = await client.get(USERS, params={"q": username}, headers=headers)
    return sum(1 for u in response.json()["items"] if u["username"] == username)


async def test_retry_with_same_key_replays_first_response_without_creating_twice(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "create-petr-1"}
    first = await client.post(USERS, json=BODY, headers=headers)
    retry = await client.post(USERS, json=BODY, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await count_users(client, admin_headers, "petr") == 1


async def test_same_key_with_different_body_is_409(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "create-1"}
    assert (await client.post(USERS, json=BODY, headers=headers)).status_code == 201
    other = await client.post(USERS, json={**BODY, "username": "anna"}, headers=headers)
    assert other.status_code == 409
    assert other.json()["type"] == "/problems/conflict"
    assert await count_users(client, admin_headers, "anna") == 0


async def test_same_key_on_another_path_is_409(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "shared-key"}
    assert (await client.post(USERS, json=BODY, headers=headers)).status_code == 201
    unit = await client.post("/api/v1/units", json={"code": "n", "name": "N"}, headers=headers)
    assert unit.status_code == 409


async def test_without_key_each_post_is_a_new_attempt(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assert (await client.post(USERS, json=BODY, headers=admin_headers)).status_code == 201
    second = await client.post(USERS, json=BODY, headers=admin_headers)
    assert second.status_code == 422


async def test_keys_belong_to_the_user_who_sent_them(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    make_user: UserFactory,
    login: LoginFactory,
) -> None:
    other_admin = await login(await make_user("admin", username="other_admin"))
    key = {"Idempotency-Key": "same-key"}
    mine = await client.post(USERS, json=BODY, headers={**admin_headers, **key})
    theirs = await client.post(
        USERS, json={**BODY, "username": "anna"}, headers={**other_admin, **key}
    )
    assert mine.status_code == theirs.status_code == 201
    assert theirs.json()["username"] == "anna"


async def test_failed_create_is_not_remembered(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "retry-after-fix"}
    bad = await client.post(USERS, json={**BODY, "password": "short"}, headers=headers)
    assert bad.status_code == 422
    fixed = await client.post(USERS, json=BODY, headers=headers)
    assert fixed.status_code == 201
    assert "idempotent-replayed" not in fixed.headers


@pytest.mark.parametrize("key", ["", "   ", "k" * 201])
async def test_empty_or_overlong_key_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], key: str
) -> None:
    response = await client.post(
        USERS, json=BODY, headers={**admin_headers, "Idempotency-Key": key}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_purge_forgets_old_keys_only(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "fresh"}
    await client.post(USERS, json=BODY, headers=headers)
    async with container.write_sessions() as session:
        kept = await purge_idempotency(session, timedelta(hours=1))
        removed = await purge_idempotency(session, timedelta(seconds=-60))
        await session.commit()
    assert (kept, removed) == (0, 1)


async def test_key_in_flight_elsewhere_gets_409_in_progress_in_both_languages(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    admin_id = (await client.get("/api/v1/auth/me", headers=admin_headers)).json()["id"]
    token = await container.idempotency.begin(f"u:{admin_id}", "busy-key")
    assert token is not None
    headers = {**admin_headers, "Idempotency-Key": "busy-key"}

    english = await client.post(USERS, json=BODY, headers=headers)
    russian = await client.post(USERS, json=BODY, headers={**headers, "Accept-Language": "ru"})
    await container.idempotency.end(f"u:{admin_id}", "busy-key", token)
    after = await client.post(USERS, json=BODY, headers=headers)

    assert english.status_code == russian.status_code == 409
    assert english.headers["content-type"] == "application/problem+json"
    assert "being processed" in english.json()["detail"]
    assert "уже выполняется" in russian.json()["detail"]
    assert after.status_code == 201
    assert await count_users(client, admin_headers, "petr") == 1


async def test_concurrent_requests_with_one_key_create_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "race-1"}
    responses = await asyncio.gather(
        *(client.post(USERS, json=BODY, headers=headers) for _ in range(4))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses.count(201) >= 1
    assert set(statuses) <= {201, 409}
    created_ids = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created_ids) == 1
    assert await count_users(client, admin_headers, "petr") == 1


async def test_failed_request_frees_its_key_for_a_corrected_retry(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    headers = {**admin_headers, "Idempotency-Key": "fix-and-retry"}
    taken = await client.post(USERS, json={**BODY, "username": "admin"}, headers=headers)
    good = await client.post(USERS, json=BODY, headers=headers)
    assert taken.status_code == 422  # the service refused the duplicate username
    assert "Idempotency-Key" not in taken.json().get("detail", "")
    assert good.status_code == 201
