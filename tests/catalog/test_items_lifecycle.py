"""Items over time: archive and restore, field history, ETag / If-Match, Idempotency-Key."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.factories import error_fields, make_category, make_item, make_item_type


@pytest.fixture
async def item(container: Container) -> dict[str, Any]:
    item_type = await make_item_type(container)
    return await make_item(container, item_type["id"], sku="ROSE", name="Роза")


async def test_archive_item_with_reason_then_restore_it(
    client: httpx.AsyncClient, item: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/items/{item['id']}"
    archived = await client.post(
        f"{url}/archive", json={"reason": "Снят с продажи"}, headers=admin_headers
    )
    assert archived.status_code == 200, archived.text
    body = archived.json()
    assert (body["status"], body["archive_reason"]) == ("archived", "Снят с продажи")
    assert body["archived_at"] is not None
    restored = await client.post(f"{url}/restore", headers=admin_headers)
    assert restored.status_code == 200
    body = restored.json()
    assert (body["status"], body["archive_reason"], body["archived_at"]) == ("active", None, None)
    assert body["version"] == 3


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
async def test_archive_item_without_reason_is_rejected(
    client: httpx.AsyncClient,
    item: dict[str, Any],
    admin_headers: dict[str, str],
    body: dict[str, Any],
) -> None:
    url = f"/api/v1/items/{item['id']}"
    response = await client.post(f"{url}/archive", json=body, headers=admin_headers)
    assert response.status_code == 422
    assert "reason" in error_fields(response)
    assert (await client.get(url, headers=admin_headers)).json()["status"] == "active"


async def test_archive_item_twice_is_a_conflict(
    client: httpx.AsyncClient, item: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/items/{item['id']}/archive"
    first = await client.post(url, json={"reason": "old"}, headers=admin_headers)
    second = await client.post(url, json={"reason": "again"}, headers=admin_headers)
    assert first.status_code == 200
    assert second.status_code == 409


async def test_restore_active_item_is_a_conflict(
    client: httpx.AsyncClient, item: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    response = await client.post(f"/api/v1/items/{item['id']}/restore", headers=admin_headers)
    assert response.status_code == 409


async def test_item_history_lists_filled_changed_and_cleared_fields(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    category = await make_category(container)
    item = await make_item(
        container, item_type["id"], sku="ROSE", name="Роза", category_id=category["id"]
    )
    response = await client.patch(
        f"/api/v1/items/{item['id']}",
        json={"name": "Роза белая", "description": "Свежая", "category_id": None},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    history = await client.get(f"/api/v1/items/{item['id']}/history", headers=admin_headers)
    assert history.status_code == 200
    changes = {c["field"]: (c["kind"], c["old_value"], c["new_value"]) for c in history.json()}
    assert changes == {
        "name": ("changed", "Роза", "Роза белая"),
        "description": ("filled", "", "Свежая"),
        "category_id": ("cleared", category["id"], None),
    }
    assert {c["source"] for c in history.json()} == {"api"}


async def test_item_history_records_archive_with_its_reason(
    client: httpx.AsyncClient, item: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/items/{item['id']}"
    await client.post(f"{url}/archive", json={"reason": "Брак"}, headers=admin_headers)
    history = (await client.get(f"{url}/history", headers=admin_headers)).json()
    changes = {c["field"]: (c["kind"], c["old_value"], c["new_value"]) for c in history}
    assert changes["status"] == ("changed", "active", "archived")
    assert changes["archive_reason"] == ("filled", None, "Брак")


async def test_update_without_changes_keeps_version_and_history_empty(
    client: httpx.AsyncClient, item: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/items/{item['id']}"
    response = await client.patch(url, json={"name": "Роза"}, headers=admin_headers)
    assert response.json()["version"] == 1
    assert (await client.get(f"{url}/history", headers=admin_headers)).json() == []


async def test_update_with_stale_if_match_is_refused(
    client: httpx.AsyncClient, item: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/items/{item['id']}"
    first = await client.patch(
        url, json={"name": "A"}, headers={**admin_headers, "If-Match": 'W/"1"'}
    )
    assert first.status_code == 200
    assert first.headers["etag"] == 'W/"2"'
    stale = await client.patch(
        url, json={"name": "B"}, headers={**admin_headers, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    assert (await client.get(url, headers=admin_headers)).json()["name"] == "A"


async def test_update_with_current_if_match_returns_new_etag(
    client: httpx.AsyncClient, item: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/items/{item['id']}"
    etag = (await client.get(url, headers=admin_headers)).headers["etag"]
    assert etag == 'W/"1"'
    response = await client.patch(
        url, json={"price": "10"}, headers={**admin_headers, "If-Match": etag}
    )
    assert response.status_code == 200
    assert response.headers["etag"] == 'W/"2"'
    assert response.json()["version"] == 2


async def test_archive_with_stale_if_match_is_refused(
    client: httpx.AsyncClient, item: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        f"/api/v1/items/{item['id']}/archive",
        json={"reason": "x"},
        headers={**admin_headers, "If-Match": 'W/"7"'},
    )
    assert response.status_code == 412


async def test_create_item_with_same_idempotency_key_replays_the_first_response(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    body = {"item_type_id": item_type["id"], "sku": "ONCE", "name": "Тюльпан"}
    headers = {**admin_headers, "Idempotency-Key": "create-tulip-1"}
    first = await client.post("/api/v1/items", json=body, headers=headers)
    again = await client.post("/api/v1/items", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    listed = await client.get("/api/v1/items", headers=admin_headers)
    assert [i["sku"] for i in listed.json()["items"]] == ["ONCE"]


async def test_reusing_idempotency_key_with_another_body_is_a_conflict(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    item_type = await make_item_type(container)
    headers = {**admin_headers, "Idempotency-Key": "k-1"}
    body = {"item_type_id": item_type["id"], "sku": "A", "name": "A"}
    await client.post("/api/v1/items", json=body, headers=headers)
    other = await client.post("/api/v1/items", json={**body, "sku": "B"}, headers=headers)
    assert other.status_code == 409
