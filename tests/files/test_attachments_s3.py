"""The whole upload → download → delete path against a real S3 HTTP endpoint (moto server)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from orderdesk.app import create_app
from orderdesk.container import Container
from orderdesk.files.storage import S3Storage
from tests.conftest import PASSWORD, UserFactory, make_settings
from tests.factories import make_item, make_item_type
from tests.files.helpers import disposition_name, stored_key, upload


@pytest.fixture
async def s3_app(
    container: Container, database_url: str, s3_settings: dict[str, Any]
) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    """The app with S3 storage; the database is the suite's."""
    s3 = Container.build(make_settings(database_url, **s3_settings))
    transport = httpx.ASGITransport(app=create_app(container=s3))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http, s3
    await s3.close()


async def test_an_upload_lands_in_the_bucket_and_streams_back(
    s3_app: tuple[httpx.AsyncClient, Container], container: Container, make_user: UserFactory
) -> None:
    client, s3 = s3_app
    assert isinstance(s3.storage, S3Storage)
    admin = await make_user("admin")
    token = await client.post(
        "/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD}
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    item_type = await make_item_type(container)
    item = await make_item(container, item_type["id"])
    content = b"%PDF-1.7\n" + os.urandom(6 * 1024 * 1024)
    name = "Сертификат поверки №5.pdf"

    created = await upload(client, f"items/{item['id']}", headers, name, content)
    assert created.status_code == 201, created.text
    attachment = created.json()
    assert attachment["sha256"] == hashlib.sha256(content).hexdigest()
    key = await stored_key(container, attachment["id"])
    assert await s3.storage.exists(key)

    downloaded = await client.get(
        f"/api/v1/attachments/{attachment['id']}/content", headers=headers
    )
    assert downloaded.status_code == 200
    assert downloaded.content == content
    assert disposition_name(downloaded.headers["content-disposition"]) == name

    deleted = await client.delete(f"/api/v1/attachments/{attachment['id']}", headers=headers)
    assert deleted.status_code == 204
    assert not await s3.storage.exists(key)
