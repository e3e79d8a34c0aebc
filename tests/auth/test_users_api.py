"""User administration over HTTP: create, validate, list, paginate, update with If-Match."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orderdesk.auth import users
from orderdesk.auth.schemas import UserUpdate
from orderdesk.container import Container
from orderdesk.core.errors import Conflict
from orderdesk.core.permissions import Principal
from tests.conftest import PASSWORD, LoginFactory, UserFactory

USERS = "/api/v1/users"
NEW_USER = {"username": "petr", "password": PASSWORD, "display_name": "Пётр", "role": "staff"}


def errors(response: httpx.Response) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json().get("errors", [])}


async def list_users(
    client: httpx.AsyncClient, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(USERS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_admin_creates_user_who_can_then_log_in(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        USERS,
        json={**NEW_USER, "username": "  Petr  ", "email": "Petr@Shop.Example"},
        headers=admin_headers,
    )
    assert response.status_code == 201
    assert response.headers["etag"] == 'W/"1"'
    body = response.json()
    assert body["username"] == "petr"
    assert body["email"] == "petr@shop.example"
    assert body["role"] == "staff"
    assert "password" not in body
    assert "password_hash" not in body
    got = await client.get(f"{USERS}/{body['id']}", headers=admin_headers)
    assert got.json() == body
    login = await client.post("/api/v1/auth/login", json={"username": "petr", "password": PASSWORD})
    assert login.status_code == 200


async def test_duplicate_username_is_422_taken(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    await make_user("staff", username="petr")
    response = await client.post(
        USERS, json={**NEW_USER, "username": "PETR"}, headers=admin_headers
    )
    assert response.status_code == 422
    assert errors(response) == {"username": "taken"}


async def test_duplicate_email_is_422_taken(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan", email="team@shop.example")
    response = await client.post(
        USERS, json={**NEW_USER, "email": "TEAM@shop.example"}, headers=admin_headers
    )
    assert errors(response) == {"email": "taken"}


async def test_unknown_field_is_422_naming_it(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        USERS, json={**NEW_USER, "nickname": "petya"}, headers=admin_headers
    )
    assert response.status_code == 422
    assert errors(response) == {"nickname": "extra_forbidden"}


async def test_wrong_types_are_422_per_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        USERS,
        json={**NEW_USER, "role": "emperor", "telegram_id": "abc", "unit_id": [1]},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert errors(response) == {
        "role": "literal_error",
        "telegram_id": "int_parsing",
        "unit_id": "int_type",
    }


async def test_user_with_unknown_unit_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(USERS, json={**NEW_USER, "unit_id": 999}, headers=admin_headers)
    assert errors(response) == {"unit_id": "not_found"}


async def test_list_filters_by_role_and_status(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    await make_user("staff", username="active_staff")
    await make_user("staff", username="blocked_staff", status="blocked")
    await make_user("customer", username="a_customer")

    staff = await list_users(client, admin_headers, role="staff")
    blocked = await list_users(client, admin_headers, status="blocked")
    both = await list_users(client, admin_headers, role="staff", status="active")

    assert {u["username"] for u in staff} == {"active_staff", "blocked_staff"}
    assert [u["username"] for u in blocked] == ["blocked_staff"]
    assert [u["username"] for u in both] == ["active_staff"]


async def test_list_with_unknown_role_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get(USERS, params={"role": "emperor"}, headers=admin_headers)
    assert response.status_code == 422
    assert errors(response) == {"role": "literal_error"}


@pytest.mark.parametrize("q", ["иван", "ИВАН", "петров", "Иван Петров", "ivan_p"])
async def test_search_finds_cyrillic_names_in_any_case(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory, q: str
) -> None:
    await make_user("staff", username="ivan_p", display_name="Иван Петров")
    await make_user("staff", username="olga_s", display_name="Ольга Сидорова")
    found = await list_users(client, admin_headers, q=q)
    assert [u["display_name"] for u in found] == ["Иван Петров"]


async def test_search_with_like_wildcards_matches_literally(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    await make_user("staff", username="ivan_p", display_name="Иван")
    await make_user("staff", username="ivanxp", display_name="Иван")
    assert [u["username"] for u in await list_users(client, admin_headers, q="n_p")] == ["ivan_p"]
    assert await list_users(client, admin_headers, q="%") == []


@pytest.mark.parametrize("sort", ["id", "-id", "display_name", "-display_name", "-created_at"])
async def test_pagination_walks_every_user_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory, sort: str
) -> None:
    for n in range(7):
        # Repeated names make the id the tie-breaker of the keyset.
        await make_user("customer", display_name=f"Клиент {n % 3}")
    expected = {u["id"] for u in await list_users(client, admin_headers, limit=500)}
    assert len(expected) == 8

    seen: list[int] = []
    pages = 0
    params: dict[str, Any] = {"limit": 3, "sort": sort}
    while True:
        response = await client.get(USERS, params=params, headers=admin_headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert len(body["items"]) <= 3
        seen.extend(u["id"] for u in body["items"])
        pages += 1
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]

    assert pages == 3
    assert len(seen) == len(set(seen)) == 8
    assert set(seen) == expected


async def test_sort_orders_the_list(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    for name in ("Борис", "Анна", "Вера"):
        await make_user("customer", display_name=name)
    names = [
        u["display_name"]
        for u in await list_users(client, admin_headers, role="customer", sort="display_name")
    ]
    assert names == ["Анна", "Борис", "Вера"]


@pytest.mark.parametrize("sort", ["-password_hash", "nope", "DROP TABLE", "id,role"])
async def test_unknown_sort_is_422_naming_sort(
    client: httpx.AsyncClient, admin_headers: dict[str, str], sort: str
) -> None:
    response = await client.get(USERS, params={"sort": sort}, headers=admin_headers)
    assert response.status_code == 422
    assert set(errors(response)) == {"sort"}


@pytest.mark.parametrize("limit", [0, 501, "many"])
async def test_limit_out_of_range_is_422(
    client: httpx.AsyncClient, admin_headers: dict[str, str], limit: object
) -> None:
    response = await client.get(USERS, params={"limit": limit}, headers=admin_headers)
    assert response.status_code == 422
    assert set(errors(response)) == {"limit"}


async def test_patch_with_current_etag_succeeds_and_returns_the_next_etag(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    petr = await make_user("staff", username="petr")
    etag = (await client.get(f"{USERS}/{petr.id}", headers=admin_headers)).headers["etag"]
    response = await client.patch(
        f"{USERS}/{petr.id}",
        json={"display_name": "Пётр Первый"},
        headers={**admin_headers, "If-Match": etag},
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Пётр Первый"
    assert response.headers["etag"] == 'W/"2"' != etag


async def test_patch_with_stale_etag_is_412_and_changes_nothing(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    petr = await make_user("staff", username="petr", display_name="Пётр")
    stale = (await client.get(f"{USERS}/{petr.id}", headers=admin_headers)).headers["etag"]
    await client.patch(
        f"{USERS}/{petr.id}", json={"phone": "+7 900 000-00-00"}, headers=admin_headers
    )

    response = await client.patch(
        f"{USERS}/{petr.id}",
        json={"display_name": "Someone else"},
        headers={**admin_headers, "If-Match": stale},
    )

    assert response.status_code == 412
    assert response.json()["type"] == "/problems/precondition-failed"
    now = await client.get(f"{USERS}/{petr.id}", headers=admin_headers)
    assert now.json()["display_name"] == "Пётр"


async def test_patch_with_malformed_if_match_is_412(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    petr = await make_user("staff")
    response = await client.patch(
        f"{USERS}/{petr.id}",
        json={"display_name": "X"},
        headers={**admin_headers, "If-Match": "banana"},
    )
    assert response.status_code == 412


async def test_patch_unknown_user_is_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.patch(f"{USERS}/999999", json={"role": "staff"}, headers=admin_headers)
    assert response.status_code == 404
    assert response.json()["detail"] == "User 999999 not found."


@pytest.mark.parametrize(
    "change", [{"role": "manager"}, {"status": "blocked"}, {"status": "pending"}]
)
async def test_admin_cannot_demote_or_block_themselves(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory, change: dict[str, str]
) -> None:
    await make_user("admin", username="second_admin")
    me = await make_user("admin", username="me")
    headers = await login(me)
    response = await client.patch(f"{USERS}/{me.id}", json=change, headers=headers)
    assert response.status_code == 409
    assert response.json()["detail"] == "You cannot change your own role or block yourself."
    assert (await client.get("/api/v1/auth/me", headers=headers)).json()["role"] == "admin"


async def test_admin_may_edit_own_profile(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    me = await make_user("admin", username="me")
    response = await client.patch(
        f"{USERS}/{me.id}",
        json={"display_name": "Главный", "role": "admin"},
        headers=await login(me),
    )
    assert response.status_code == 200


async def test_admin_can_demote_another_admin_while_one_remains(
    client: httpx.AsyncClient, admin_headers: dict[str, str], make_user: UserFactory
) -> None:
    other = await make_user("admin", username="other_admin")
    response = await client.patch(
        f"{USERS}/{other.id}", json={"role": "manager"}, headers=admin_headers
    )
    assert response.status_code == 200
    assert response.json()["role"] == "manager"


@pytest.mark.parametrize("change", [{"role": "staff"}, {"status": "blocked"}])
async def test_last_active_admin_cannot_be_demoted_or_blocked(
    container: Container, make_user: UserFactory, change: dict[str, str]
) -> None:
    # Only the system (CLI) can reach the last admin: any admin acting is an admin too.
    only = await make_user("admin", username="only_admin")
    await make_user("admin", username="blocked_admin", status="blocked")
    async with container.write_sessions() as session:
        with pytest.raises(Conflict) as raised:
            await users.update_user(
                session=session,
                passwords=container.passwords,
                principal=Principal.system(),
                user_id=only.id,
                data=UserUpdate(**change),
            )
    assert raised.value.detail_key == "user.last_admin"
    assert raised.value.status == 409
