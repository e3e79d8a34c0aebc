"""An upload the retention job has cleared cannot be previewed or committed: 409, not 500."""

from __future__ import annotations

from datetime import timedelta

import httpx

from orderdesk.container import Container
from orderdesk.db.types import utcnow
from orderdesk.ops.retention import purge
from tests.factories import make_item_type
from tests.transfer.importing.helpers import upload

ROWS = [["Артикул", "Наименование", "Цена"], ["R-1", "Роза", "120,50"]]


async def test_an_upload_past_retention_answers_file_missing(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    uploaded = await upload(client, admin_headers, ROWS)
    import_id = uploaded.json()["id"]
    async with container.write_sessions() as session, session.begin():
        done = await purge(
            session,
            container.storage,
            files_days=14,
            jobs_days=90,
            now=utcnow() + timedelta(days=15),
        )
    assert done.import_files == 1

    preview = await client.post(
        f"/api/v1/imports/{import_id}/preview",
        json={"target": "items", "type": "flower"},
        headers=admin_headers,
    )

    assert preview.status_code == 409, preview.text
    assert preview.json()["type"].endswith("import-file-missing")
