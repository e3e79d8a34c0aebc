"""Import profiles through the API: save, list, refuse a taken name, delete."""

from __future__ import annotations

import httpx

from tests.conftest import LoginFactory, UserFactory

PROFILE = {
    "name": "VendHub продажи",
    "target": "orders",
    "type": "request",
    "headers": ["Номер заказа", "Время", "Сумма"],
    "mapping": {"number": "Номер заказа", "created_at": "Время", "amount": "Сумма"},
    "value_maps": {"status": {"в работе": "accepted"}},
}


async def test_profiles_are_saved_listed_unique_by_name_and_deleted(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    created = await client.post("/api/v1/imports/profiles", json=PROFILE, headers=admin_headers)
    again = await client.post("/api/v1/imports/profiles", json=PROFILE, headers=admin_headers)
    listed = await client.get("/api/v1/imports/profiles", headers=admin_headers)

    assert created.status_code == 201, created.text
    assert len(created.json()["header_signature"]) == 64
    assert again.status_code == 422
    assert [p["name"] for p in listed.json()["items"]] == ["VendHub продажи"]

    deleted = await client.delete(
        f"/api/v1/imports/profiles/{created.json()['id']}", headers=admin_headers
    )
    assert deleted.status_code == 204
    assert (await client.get("/api/v1/imports/profiles", headers=admin_headers)).json()[
        "items"
    ] == []


async def test_customers_cannot_see_or_save_profiles(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    customer = await login(await make_user("customer"))

    listed = await client.get("/api/v1/imports/profiles", headers=customer)
    saved = await client.post("/api/v1/imports/profiles", json=PROFILE, headers=customer)

    assert listed.status_code == 403
    assert saved.status_code == 403
