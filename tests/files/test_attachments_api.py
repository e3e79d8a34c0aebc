"""Uploading, downloading, changing and deleting attachments through the API."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from orderdesk.app import create_app
from orderdesk.container import Container
from tests.conftest import UserFactory, make_settings
from tests.factories import make_item, make_item_type
from tests.files import samples
from tests.files.helpers import (
    attachment_count,
    disposition_name,
    stored_files,
    stored_key,
    upload,
)

CERTIFICATE = "Сертификат поверки №5.pdf"


@pytest.fixture
async def item(container: Container) -> dict[str, Any]:
    item_type = await make_item_type(container)
    return await make_item(container, item_type["id"])


async def test_a_pdf_uploads_and_downloads_with_its_cyrillic_name(
    client: httpx.AsyncClient, admin_headers: dict[str, str], item: dict[str, Any]
) -> None:
    created = await upload(
        client,
        f"items/{item['id']}",
        admin_headers,
        CERTIFICATE,
        samples.PDF,
        category="certificate",
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["original_name"] == CERTIFICATE
    assert body["content_type"] == "application/pdf"
    assert body["size"] == len(samples.PDF)
    assert body["sha256"] == hashlib.sha256(samples.PDF).hexdigest()
    assert (body["owner_type"], body["owner_id"], body["category"]) == (
        "item",
        item["id"],
        "certificate",
    )

    content = await client.get(f"/api/v1/attachments/{body['id']}/content", headers=admin_headers)
    assert content.status_code == 200
    assert content.content == samples.PDF
    assert content.headers["content-type"] == "application/pdf"
    assert content.headers["x-content-type-options"] == "nosniff"
    assert content.headers["content-disposition"].startswith("attachment;")
    assert disposition_name(content.headers["content-disposition"]) == CERTIFICATE

    listed = await client.get(f"/api/v1/items/{item['id']}/attachments", headers=admin_headers)
    assert [a["id"] for a in listed.json()["items"]] == [body["id"]]
    meta = await client.get(f"/api/v1/attachments/{body['id']}", headers=admin_headers)
    assert meta.json() == body
    assert "storage_key" not in meta.json()


async def test_a_hostile_file_name_is_stored_sanitised(
    client: httpx.AsyncClient, admin_headers: dict[str, str], item: dict[str, Any]
) -> None:
    created = await upload(
        client, f"items/{item['id']}", admin_headers, "../../etc/pass\u202ewd.txt", b"root"
    )
    assert created.status_code == 201, created.text
    assert created.json()["original_name"] == "_._etc_passwd.txt"


async def test_a_pdf_renamed_to_xlsx_is_refused_and_nothing_is_kept(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    item: dict[str, Any],
) -> None:
    before = stored_files(container)
    response = await upload(
        client, f"items/{item['id']}", admin_headers, "prices.xlsx", samples.PDF
    )
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/problem+json"
    assert "application/pdf" in response.json()["detail"]
    assert ".xlsx" in response.json()["detail"]
    assert await attachment_count(container) == 0
    assert stored_files(container) == before


async def test_an_executable_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], item: dict[str, Any]
) -> None:
    response = await upload(client, f"items/{item['id']}", admin_headers, "tool", samples.ELF)
    assert response.status_code == 415
    assert response.json()["type"] == "/problems/unsupported-media-type"


async def test_messages_follow_the_language_of_the_request(
    client: httpx.AsyncClient, admin_headers: dict[str, str], item: dict[str, Any]
) -> None:
    headers = {**admin_headers, "Accept-Language": "ru"}
    response = await upload(client, f"items/{item['id']}", headers, "a.xlsx", samples.PDF)
    assert "по содержимому" in response.json()["detail"]


async def test_a_file_bigger_than_the_general_body_limit_uploads(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    item: dict[str, Any],
) -> None:
    content = samples.TEXT_UTF8 * (3 * container.settings.max_body_bytes // len(samples.TEXT_UTF8))
    response = await upload(client, f"items/{item['id']}", admin_headers, "big.txt", content)
    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(content)


@pytest.fixture
async def small_limit_client(
    container: Container, database_url: str, tmp_path: Any
) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    """An app whose uploads may be at most 4 KiB."""
    settings = make_settings(database_url, files_dir=tmp_path, upload_max_bytes=4096)
    small = Container.build(settings)
    transport = httpx.ASGITransport(app=create_app(container=small))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http, small
    await small.close()


@pytest.mark.parametrize("size", [4097, 200_000])
async def test_a_file_over_the_upload_limit_gets_413_and_nothing_is_stored(
    small_limit_client: tuple[httpx.AsyncClient, Container],
    make_user: UserFactory,
    item: dict[str, Any],
    size: int,
) -> None:
    client, small = small_limit_client
    admin = await make_user("admin")
    login = await client.post(
        "/api/v1/auth/login", json={"username": admin.username, "password": "Correct-Horse-42"}
    )
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    fits = await upload(client, f"items/{item['id']}", headers, "ok.txt", b"a" * 4096)
    assert fits.status_code == 201, fits.text

    response = await upload(client, f"items/{item['id']}", headers, "big.txt", b"a" * size)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert await attachment_count(small) == 1
    assert len(stored_files(small)) == 1


async def test_current_flag_is_exclusive_per_owner_and_category(
    client: httpx.AsyncClient, admin_headers: dict[str, str], item: dict[str, Any]
) -> None:
    owner = f"items/{item['id']}"

    async def certificate(name: str) -> dict[str, Any]:
        response = await upload(
            client,
            owner,
            admin_headers,
            name,
            samples.PDF,
            category="certificate",
            is_current=True,
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    first, second = await certificate("2025.pdf"), await certificate("2026.pdf")
    photo = await upload(
        client, owner, admin_headers, "p.png", samples.png(), category="photo", is_current=True
    )

    async def current() -> set[int]:
        listed = await client.get(f"/api/v1/{owner}/attachments", headers=admin_headers)
        return {a["id"] for a in listed.json()["items"] if a["is_current"]}

    assert await current() == {second["id"], photo.json()["id"]}
    made = await client.patch(
        f"/api/v1/attachments/{first['id']}", json={"is_current": True}, headers=admin_headers
    )
    assert made.status_code == 200, made.text
    assert made.json()["is_current"] is True
    assert await current() == {first["id"], photo.json()["id"]}
    only = await client.get(
        f"/api/v1/{owner}/attachments", params={"category": "certificate"}, headers=admin_headers
    )
    assert {a["id"] for a in only.json()["items"]} == {first["id"], second["id"]}


async def test_delete_removes_the_record_and_the_stored_file(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    item: dict[str, Any],
) -> None:
    created = (
        await upload(client, f"items/{item['id']}", admin_headers, "a.pdf", samples.PDF)
    ).json()
    key = await stored_key(container, created["id"])
    assert await container.storage.exists(key)

    deleted = await client.delete(f"/api/v1/attachments/{created['id']}", headers=admin_headers)
    assert deleted.status_code == 204
    assert not await container.storage.exists(key)
    gone = await client.get(f"/api/v1/attachments/{created['id']}/content", headers=admin_headers)
    assert gone.status_code == 404


async def test_upload_change_and_delete_are_audited(
    client: httpx.AsyncClient, admin_headers: dict[str, str], item: dict[str, Any]
) -> None:
    created = (
        await upload(client, f"items/{item['id']}", admin_headers, "a.pdf", samples.PDF)
    ).json()
    attachment = f"/api/v1/attachments/{created['id']}"
    await client.patch(attachment, json={"category": "certificate"}, headers=admin_headers)
    await client.delete(attachment, headers=admin_headers)

    entries = await client.get(
        "/api/v1/audit",
        params={"entity_type": "attachment", "entity_id": created["id"]},
        headers=admin_headers,
    )
    assert entries.status_code == 200, entries.text
    actions = sorted(entry["action"] for entry in entries.json()["items"])
    assert actions == ["attachment.delete", "attachment.update", "attachment.upload"]


async def test_a_stale_if_match_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], item: dict[str, Any]
) -> None:
    created = (
        await upload(client, f"items/{item['id']}", admin_headers, "a.pdf", samples.PDF)
    ).json()
    response = await client.patch(
        f"/api/v1/attachments/{created['id']}",
        json={"category": "x"},
        headers={**admin_headers, "If-Match": 'W/"7"'},
    )
    assert response.status_code == 412
