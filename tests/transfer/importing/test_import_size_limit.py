"""Files to import have their own size limit, bigger than the attachments' one."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from orderdesk.app import create_app
from orderdesk.container import Container
from orderdesk.files.upload import MULTIPART_OVERHEAD
from orderdesk.settings import Settings
from orderdesk.transfer.importing.models import Import
from tests.conftest import UserFactory, make_settings

ATTACHMENT_LIMIT, IMPORT_LIMIT = 4096, 64 * 1024
BODY_LIMIT = IMPORT_LIMIT + MULTIPART_OVERHEAD


@pytest.fixture
async def limited(
    database_url: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Container]]:
    """An app whose attachments may be 4 KiB and files to import 64 KiB."""
    settings = make_settings(
        database_url,
        files_dir=tmp_path,
        upload_max_bytes=ATTACHMENT_LIMIT,
        import_max_bytes=IMPORT_LIMIT,
    )
    small = Container.build(settings)
    transport = httpx.ASGITransport(app=create_app(container=small))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http, small
    await small.close()


def price_list(size: int) -> bytes:
    """A CSV price list of about `size` bytes."""
    rows = ["Артикул;Наименование;Цена"]
    while sum(len(row.encode()) + 1 for row in rows) < size:
        rows.append(f"R-{len(rows)};Роза {len(rows)};100")
    return ("\n".join(rows) + "\n").encode()


async def imports(container: Container) -> int:
    async with container.read_sessions() as session:
        return int((await session.execute(select(func.count()).select_from(Import))).scalar_one())


async def test_a_file_to_import_may_exceed_the_attachment_limit_up_to_the_import_limit(
    limited: tuple[httpx.AsyncClient, Container], make_user: UserFactory
) -> None:
    client, small = limited
    headers = await _admin_headers(client, make_user)
    content = price_list(IMPORT_LIMIT - 1024)

    response = await client.post(
        "/api/v1/imports", files={"file": ("prices.csv", content, "text/csv")}, headers=headers
    )

    assert len(content) > ATTACHMENT_LIMIT
    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(content)


@pytest.mark.parametrize("size", [IMPORT_LIMIT + 1, 4 * IMPORT_LIMIT])
async def test_a_file_over_the_import_limit_gets_413_naming_the_limit_and_nothing_is_recorded(
    limited: tuple[httpx.AsyncClient, Container], make_user: UserFactory, size: int
) -> None:
    client, small = limited
    headers = {**await _admin_headers(client, make_user), "Accept-Language": "ru"}
    content = price_list(size)[:size]

    response = await client.post(
        "/api/v1/imports", files={"file": ("prices.csv", content, "text/csv")}, headers=headers
    )

    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    # Just over: the file check names the import limit; far over: the body limit of the route
    # (the import limit plus room for multipart headers) stops reading early.
    assert any(str(limit) in response.json()["detail"] for limit in (IMPORT_LIMIT, BODY_LIMIT))
    assert await imports(small) == 0


def test_the_import_limit_defaults_to_one_gibibyte_and_the_attachment_limit_stays_50_mb() -> None:
    settings = Settings(secret_keys=["x" * 40])

    assert settings.import_max_bytes == 1024**3
    assert settings.upload_max_bytes == 50 * 1024**2


async def _admin_headers(client: httpx.AsyncClient, make_user: UserFactory) -> dict[str, str]:
    admin = await make_user("admin")
    login = await client.post(
        "/api/v1/auth/login", json={"username": admin.username, "password": "Correct-Horse-42"}
    )
    return {"Authorization": f"Bearer {login.json()['access_token']}"}
