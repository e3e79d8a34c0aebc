"""The flow through the API: upload, duplicate warning, preview, profiles, report, dry run."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import httpx
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import func, select

from orderdesk.catalog.models import Item
from orderdesk.container import Container
from orderdesk.jobs.queue import JobQueue
from tests.factories import make_item_type
from tests.transfer.importing.helpers import commit_and_wait, import_rows, upload

pytestmark = pytest.mark.usefixtures("worker")
BAD_PRICE = [
    ["Артикул", "Наименование", "Цена"],
    ["R-1", "Роза", "100"],
    ["R-2", "Тюльпан", "=1+2"],
]


async def test_the_same_file_uploaded_twice_is_recognised_and_the_user_warned(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    first = await upload(client, admin_headers, BAD_PRICE, "prices.csv")
    second = await upload(client, {**admin_headers, "Accept-Language": "ru"}, BAD_PRICE, "copy.csv")

    assert first.status_code == 201
    assert first.json()["duplicate_of"] is None
    warning = second.json()["duplicate_of"]
    assert warning["import_id"] == first.json()["id"]
    assert warning["message"].startswith(
        f"Этот же файл уже загружался: импорт {first.json()['id']}"
    )
    assert second.json()["sha256"] == first.json()["sha256"]


@pytest.mark.parametrize(("language", "reason"), [("en", "Not a number"), ("ru", "Не число")])
async def test_preview_proposes_a_mapping_and_explains_bad_rows_in_the_users_language(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    language: str,
    reason: str,
) -> None:
    await make_item_type(container, "flower")
    uploaded = await upload(client, admin_headers, BAD_PRICE)

    preview = await client.post(
        f"/api/v1/imports/{uploaded.json()['id']}/preview",
        json={"target": "items", "type": "flower"},
        headers={**admin_headers, "Accept-Language": language},
    )

    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["mapping"] == {"sku": "Артикул", "name": "Наименование", "price": "Цена"}
    assert body["header_row"] == 1
    assert body["rows"][1] == ["R-2", "Тюльпан", "=1+2"]
    assert body["errors"] == [
        {"sheet": "data.csv", "row": 3, "column": "Цена", "value": "=1+2", "reason": reason}
    ]
    assert body["counts"]["created"] == 1
    assert body["missing_fields"] == []


async def test_error_report_downloads_as_csv_and_xlsx_with_formulas_neutralised(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    done = await import_rows(
        client, container, admin_headers, BAD_PRICE, target="items", type="flower", partial=True
    )
    url = f"/api/v1/imports/{done['id']}/report"

    as_csv = await client.get(url, headers={**admin_headers, "Accept-Language": "ru"})
    as_xlsx = await client.get(url, params={"format": "xlsx"}, headers=admin_headers)

    assert as_csv.status_code == 200
    text = as_csv.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text), delimiter=";")) == [
        ["Лист", "Строка", "Колонка", "Значение", "Причина"],
        ["data.csv", "3", "Цена", "'=1+2", "Не число"],
    ]
    assert as_xlsx.status_code == 200
    book = CalamineWorkbook.from_filelike(io.BytesIO(as_xlsx.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0] == ["Sheet", "Row", "Column", "Value", "Reason"]
    assert rows[1][2:] == ["Цена", "'=1+2", "Not a number"]
    assert rows[1][0] == "data.csv"
    assert int(rows[1][1]) == 3


async def test_a_saved_profile_is_picked_for_a_file_with_the_same_headers_in_another_order(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    odd = [["Код поставщика", "Товар на складе", "Отпускная"], ["V-1", "Роза", "10"]]
    mapping = {"sku": "Код поставщика", "name": "Товар на складе", "price": "Отпускная"}
    await import_rows(
        client, container, admin_headers, odd, target="items", type="flower",
        mapping=mapping, save_profile="Поставщик А",
    )  # fmt: skip
    reordered = [["Отпускная", "код поставщика", "Товар на складе"], ["20", "V-2", "Лилия"]]
    uploaded = await upload(client, admin_headers, reordered)

    preview = await client.post(
        f"/api/v1/imports/{uploaded.json()['id']}/preview",
        json={"target": "items"},
        headers=admin_headers,
    )

    assert preview.status_code == 200, preview.text
    assert preview.json()["profile"]["name"] == "Поставщик А"
    assert preview.json()["mapping"] == mapping
    done = await commit_and_wait(
        client, container, admin_headers, uploaded.json()["id"], target="items"
    )
    assert done["counts"]["created"] == 1
    assert done["type_code"] == "flower"  # the profile's type
    profiles = await client.get("/api/v1/imports/profiles", headers=admin_headers)
    assert [p["name"] for p in profiles.json()["items"]] == ["Поставщик А"]


async def test_dry_run_validates_and_counts_but_commits_nothing(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    rows = [["SKU", "Name", "Price"], ["R-1", "Роза", "10"], ["R-2", "Лилия", "20"]]

    done = await import_rows(
        client, container, admin_headers, rows, target="items", type="flower", dry_run=True
    )

    assert done["status"] == "succeeded"
    assert done["dry_run"] is True
    assert done["counts"]["rows"] == 2
    assert done["counts"]["created"] == 0
    async with container.read_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Item)) == 0


async def test_commit_needs_required_fields_mapped_and_a_valid_key(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    uploaded = await upload(client, admin_headers, [["Цена"], ["10"]])
    url = f"/api/v1/imports/{uploaded.json()['id']}/commit"

    unmapped = await client.post(
        url, json={"target": "items", "type": "flower"}, headers=admin_headers
    )
    bad_key = await client.post(
        url, json={"target": "items", "type": "flower", "mode": "upsert", "key": "number"},
        headers=admin_headers,
    )  # fmt: skip

    assert unmapped.status_code == 422
    assert {e["field"] for e in unmapped.json()["errors"]} == {"mapping.sku", "mapping.name"}
    assert bad_key.status_code == 422
    assert bad_key.json()["errors"][0]["field"] == "key"


async def test_progress_and_counts_are_visible_on_the_job(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str], worker: JobQueue
) -> None:
    await make_item_type(container, "flower")
    rows = [["SKU", "Name", "Price"], *[[f"R-{n}", f"Роза {n}", str(n)] for n in range(25)]]

    done = await import_rows(client, container, admin_headers, rows, target="items", type="flower")
    job = await client.get(f"/api/v1/jobs/{done['job_id']}", headers=admin_headers)

    assert job.json()["status"] == "succeeded"
    assert job.json()["progress_done"] == 25
    assert job.json()["result"]["counts"]["created"] == 25
    async with container.read_sessions() as session:
        total = await session.scalar(select(func.sum(Item.price)))
    assert total == Decimal(sum(range(25)))


async def test_the_commit_job_publishes_live_progress(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str], worker: JobQueue
) -> None:
    await make_item_type(container, "flower")
    heard: list[tuple[int, int, dict[str, int]]] = []

    async def listen(job_id: int, progress: Any) -> None:
        heard.append((job_id, progress.done, dict(progress.counts)))

    assert worker.runner is not None
    worker.runner.listeners.append(listen)
    try:
        rows = [["SKU", "Name"], *[[f"R-{n}", f"Роза {n}"] for n in range(30)]]
        done = await import_rows(
            client, container, admin_headers, rows, target="items", type="flower"
        )
    finally:
        worker.runner.listeners.remove(listen)

    assert heard
    assert heard[0][0] == done["job_id"]
    assert heard[0][1] == 30
    assert heard[0][2]["created"] == 30
