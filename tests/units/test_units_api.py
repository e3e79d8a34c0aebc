"""Units over HTTP: create, read, list, update with If-Match, code uniqueness, staff scoping."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import make_unit

UNITS = "/api/v1/units"


def errors(response: httpx.Response) -> dict[str, str]:
    return {e["field"]: e["code"] for e in response.json().get("errors", [])}


async def codes(client: httpx.AsyncClient, headers: dict[str, str], **params: Any) -> list[str]:
    response = await client.get(UNITS, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return [unit["code"] for unit in response.json()["items"]]


async def test_admin_creates_and_reads_a_unit(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        UNITS, json={"code": "north", "name": " Северный ", "kind": "shop"}, headers=admin_headers
    )
    assert response.status_code == 201
    assert response.headers["etag"] == 'W/"1"'
    unit = response.json()
    assert (unit["code"], unit["name"], unit["kind"], unit["active"]) == (
        "north",
        "Северный",
        "shop",
        True,
    )
    got = await client.get(f"{UNITS}/{unit['id']}", headers=admin_headers)
    assert got.status_code == 200
    assert got.json() == unit
    assert got.headers["etag"] == 'W/"1"'


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "North Side", "name": "N"}, "code"),
        ({"code": "north", "name": ""}, "name"),
        ({"code": "north", "name": "N", "kind": "castle"}, "kind"),
        ({"code": "north", "name": "N", "colour": "red"}, "colour"),
        ({"name": "N"}, "code"),
    ],
)
async def test_invalid_unit_is_422_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    response = await client.post(UNITS, json=body, headers=admin_headers)
    assert response.status_code == 422
    assert set(errors(response)) == {field}


async def test_duplicate_code_on_create_is_422_taken(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    await make_unit(container, code="north")
    response = await client.post(UNITS, json={"code": "north", "name": "N"}, headers=admin_headers)
    assert response.status_code == 422
    assert errors(response) == {"code": "taken"}


async def test_duplicate_code_on_update_is_422_but_own_code_is_fine(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    await make_unit(container, code="north")
    south = await make_unit(container, code="south", name="Южный")
    taken = await client.patch(
        f"{UNITS}/{south['id']}", json={"code": "north"}, headers=admin_headers
    )
    same = await client.patch(
        f"{UNITS}/{south['id']}", json={"code": "south", "name": "Юг"}, headers=admin_headers
    )
    assert taken.status_code == 422
    assert errors(taken) == {"code": "taken"}
    assert same.status_code == 200
    assert same.json()["name"] == "Юг"


async def test_update_with_current_etag_then_stale_etag(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    unit = await make_unit(container)
    path = f"{UNITS}/{unit['id']}"
    etag = (await client.get(path, headers=admin_headers)).headers["etag"]

    updated = await client.patch(
        path, json={"active": False}, headers={**admin_headers, "If-Match": etag}
    )
    stale = await client.patch(
        path, json={"name": "Другой"}, headers={**admin_headers, "If-Match": etag}
    )

    assert updated.status_code == 200
    assert updated.json()["active"] is False
    assert updated.headers["etag"] == 'W/"2"'
    assert stale.status_code == 412
    assert (await client.get(path, headers=admin_headers)).json()["name"] == unit["name"]


async def test_update_without_changes_keeps_the_version(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    unit = await make_unit(container, code="north", name="Северный")
    response = await client.patch(
        f"{UNITS}/{unit['id']}", json={"name": "Северный"}, headers=admin_headers
    )
    assert response.headers["etag"] == 'W/"1"'


async def test_unknown_unit_is_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assert (await client.get(f"{UNITS}/424242", headers=admin_headers)).status_code == 404
    response = await client.patch(f"{UNITS}/424242", json={"name": "X"}, headers=admin_headers)
    assert response.status_code == 404


async def test_list_filters_and_search(
    client: httpx.AsyncClient, admin_headers: dict[str, str], container: Container
) -> None:
    await make_unit(container, code="north", name="Северный склад")
    await make_unit(container, code="south", name="Южный магазин")
    await client.patch(
        f"{UNITS}/{(await make_unit(container, code='old', name='Старый'))['id']}",
        json={"active": False},
        headers=admin_headers,
    )
    assert await codes(client, admin_headers, q="СКЛАД") == ["north"]
    assert await codes(client, admin_headers, active=False) == ["old"]
    assert await codes(client, admin_headers, sort="code") == ["north", "old", "south"]


async def test_staff_sees_only_their_unit(
    client: httpx.AsyncClient,
    make_user: UserFactory,
    login: LoginFactory,
    container: Container,
) -> None:
    north = await make_unit(container, code="north")
    south = await make_unit(container, code="south", name="Южный")
    headers = await login(await make_user("staff", unit_id=north["id"]))

    assert await codes(client, headers) == ["north"]
    assert (await client.get(f"{UNITS}/{north['id']}", headers=headers)).status_code == 200
    other = await client.get(f"{UNITS}/{south['id']}", headers=headers)
    assert other.status_code == 404


async def test_staff_without_a_unit_sees_no_units(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory, container: Container
) -> None:
    await make_unit(container)
    headers = await login(await make_user("staff"))
    assert await codes(client, headers) == []


async def test_manager_sees_every_unit_but_cannot_change_one(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory, container: Container
) -> None:
    north = await make_unit(container, code="north")
    await make_unit(container, code="south", name="Южный")
    headers = await login(await make_user("manager"))
    assert sorted(await codes(client, headers)) == ["north", "south"]
    response = await client.patch(f"{UNITS}/{north['id']}", json={"name": "X"}, headers=headers)
    assert response.status_code == 403


async def test_units_need_a_login(client: httpx.AsyncClient) -> None:
    assert (await client.get(UNITS)).status_code == 401
