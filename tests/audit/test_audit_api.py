"""The audit trail: every change recorded with actor, before/after and the request id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import PASSWORD, LoginFactory, UserFactory

AUDIT = "/api/v1/audit"


async def entries(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(AUDIT, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def admin_id(client: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return int((await client.get("/api/v1/auth/me", headers=headers)).json()["id"])


async def test_user_create_is_audited_with_actor_after_and_request_id(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await client.post(
        "/api/v1/users",
        json={"username": "petr", "password": PASSWORD, "role": "staff"},
        headers={**admin_headers, "X-Request-ID": "req-create-petr"},
    )
    [entry] = await entries(client, admin_headers, action="user.create")
    assert entry["actor_id"] == await admin_id(client, admin_headers)
    assert entry["actor_label"] == "admin"
    assert entry["entity_type"] == "user"
    assert entry["entity_id"] == str(created.json()["id"])
    assert entry["request_id"] == "req-create-petr"
    assert entry["before"] is None
    assert entry["after"]["username"] == "petr"
    assert entry["after"]["role"] == "staff"
    assert "password" not in str(entry["after"])


async def test_user_update_is_audited_with_before_and_after(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    petr = await make_user("staff", username="petr")
    await client.patch(
        f"/api/v1/users/{petr.id}",
        json={"role": "manager", "password": "Brand-New-Secret-9"},
        headers={**admin_headers, "X-Request-ID": "req-promote"},
    )
    [entry] = await entries(client, admin_headers, action="user.update")
    assert entry["entity_id"] == str(petr.id)
    assert entry["request_id"] == "req-promote"
    assert entry["before"]["role"] == "staff"
    assert entry["after"]["role"] == "manager"
    assert "Brand-New-Secret-9" not in str(entry)


async def test_unit_create_is_audited(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    unit = await client.post(
        "/api/v1/units",
        json={"code": "north", "name": "Северный"},
        headers={**admin_headers, "X-Request-ID": "req-unit"},
    )
    [entry] = await entries(client, admin_headers, entity_type="unit")
    assert entry["action"] == "unit.create"
    assert entry["entity_id"] == str(unit.json()["id"])
    assert entry["after"] == {
        "code": "north",
        "name": "Северный",
        "kind": "department",
        "active": True,
    }
    assert entry["request_id"] == "req-unit"
    assert entry["actor_id"] == await admin_id(client, admin_headers)


async def test_unit_update_is_audited_with_before_and_after(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    unit = (
        await client.post(
            "/api/v1/units", json={"code": "north", "name": "Северный"}, headers=admin_headers
        )
    ).json()
    await client.patch(f"/api/v1/units/{unit['id']}", json={"name": "Север"}, headers=admin_headers)
    [entry] = await entries(client, admin_headers, action="unit.update")
    assert (entry["before"]["name"], entry["after"]["name"]) == ("Северный", "Север")


async def test_unchanged_update_leaves_no_entry(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    petr = await make_user("staff", username="petr")
    await client.patch(f"/api/v1/users/{petr.id}", json={"role": "staff"}, headers=admin_headers)
    assert await entries(client, admin_headers, action="user.update") == []


async def test_request_without_request_id_gets_a_generated_one_in_audit(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/units", json={"code": "north", "name": "N"}, headers=admin_headers
    )
    [entry] = await entries(client, admin_headers, action="unit.create")
    assert entry["request_id"] == response.headers["x-request-id"]


async def test_failed_change_leaves_no_entry(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await client.post(
        "/api/v1/users", json={"username": "petr", "password": "short"}, headers=admin_headers
    )
    assert await entries(client, admin_headers, action="user.create") == []


async def test_audit_is_newest_first_and_filters_by_success(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan")
    await client.post("/api/v1/auth/login", json={"username": "ivan", "password": "bad-pass"})
    await client.post("/api/v1/auth/login", json={"username": "ivan", "password": PASSWORD})
    failures = await entries(client, admin_headers, success=False)
    assert [e["action"] for e in failures] == ["auth.login_failed"]
    ids = [e["id"] for e in await entries(client, admin_headers)]
    assert ids == sorted(ids, reverse=True)


@pytest.mark.parametrize("role", ["manager", "staff", "customer"])
async def test_non_admin_cannot_read_audit(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory, role: str
) -> None:
    response = await client.get(AUDIT, headers=await login(await make_user(role)))
    assert response.status_code == 403


async def test_audit_needs_a_login(client: httpx.AsyncClient) -> None:
    assert (await client.get(AUDIT)).status_code == 401
