"""Big XLSX/PDF exports run as jobs; their file is stored and only its requester downloads it."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from python_calamine import CalamineWorkbook

from orderdesk.container import Container
from orderdesk.jobs import service as jobs_service
from orderdesk.transfer.export.jobs import KIND
from tests.conftest import LoginFactory
from tests.transfer.export.conftest import Shop


async def wait_until_finished(
    client: httpx.AsyncClient, headers: dict[str, str], job_id: int
) -> dict[str, Any]:
    for _ in range(600):  # up to a minute: a loaded CI machine is slow to start workers
        response = await client.get(f"/api/v1/jobs/{job_id}", headers=headers)
        job: dict[str, Any] = response.json()
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        await asyncio.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish: {job}")


async def test_big_xlsx_becomes_a_job_whose_file_downloads(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    shop: Shop,
    container: Container,
    export_worker: object,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(container.settings, "export_sync_max_rows", 2)
    params = {"format": "xlsx", "lang": "ru"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.status_code == 202, response.text
    body = response.json()
    job_id = body["job"]["id"]
    assert body["rows"] == 3
    assert body["job"]["kind"] == KIND
    assert response.headers["location"] == f"/api/v1/jobs/{job_id}"
    job = await wait_until_finished(client, admin_headers, job_id)
    assert job["status"] == "succeeded", job
    assert job["result"]["rows"] == 3
    assert job["progress_done"] == 3
    assert job["result"]["download_url"] == body["download_url"]
    download = await client.get(body["download_url"], headers=admin_headers)
    assert download.status_code == 200
    assert "filename*=UTF-8''%D0%BF%D0%BE%D0%B7" in download.headers["content-disposition"]
    rows = CalamineWorkbook.from_filelike(io.BytesIO(download.content)).get_sheet_by_index(0)
    skus = sorted(row[0] for row in rows.to_python()[1:])
    assert skus == ["DLV", "ROSE-1", "TULIP-1"]


async def test_small_xlsx_is_answered_at_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"format": "xlsx"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.status_code == 200
    assert response.content.startswith(b"PK")


async def test_posted_export_runs_as_the_customer_and_only_they_download_it(
    client: httpx.AsyncClient, login: LoginFactory, shop: Shop, export_worker: object
) -> None:
    alice = await login(shop.alice)
    body = {"target": "orders", "format": "pdf", "filters": {"status": "pending"}}
    response = await client.post("/api/v1/exports", json=body, headers=alice)
    assert response.status_code == 202, response.text
    started = response.json()
    job = await wait_until_finished(client, alice, started["job"]["id"])
    assert job["status"] == "succeeded", job
    assert job["result"]["rows"] == 2  # alice's order has two lines; bob's is not hers
    mine = await client.get(started["download_url"], headers=alice)
    assert mine.status_code == 200
    assert mine.headers["content-type"] == "application/pdf"
    bob = await login(shop.bob)
    theirs = await client.get(started["download_url"], headers=bob)
    assert theirs.status_code == 404


async def test_posted_export_with_an_unknown_filter_is_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    body = {"target": "items", "format": "csv", "filters": {"colour": "red", "price_min": "x"}}
    response = await client.post("/api/v1/exports", json=body, headers=admin_headers)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"filters.colour"}
    body = {"target": "items", "format": "csv", "filters": {"price_min": "x"}}
    response = await client.post("/api/v1/exports", json=body, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "filters.price_min"


async def test_download_before_the_job_finished_is_a_409(
    client: httpx.AsyncClient, login: LoginFactory, shop: Shop, container: Container
) -> None:
    later = datetime.now(UTC) + timedelta(hours=1)
    async with container.write_sessions() as session:
        job = await jobs_service.enqueue(
            session,
            kind=KIND,
            params={"target": "orders", "options": {}, "filters": {}, "lang": "en"},
            actor_id=shop.alice.id,
            run_after=later,
        )
        await session.commit()
    response = await client.get(f"/api/v1/exports/{job.id}/file", headers=await login(shop.alice))
    assert response.status_code == 409
    assert "queued" in response.json()["detail"]


async def test_download_of_an_unknown_export_is_a_404(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await client.get("/api/v1/exports/999999/file", headers=admin_headers)
    assert response.status_code == 404


async def test_too_long_pdf_is_refused_with_advice(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    shop: Shop,
    container: Container,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(container.settings, "export_pdf_max_rows", 2)
    headers = {**admin_headers, "Accept-Language": "ru"}
    response = await client.get("/api/v1/exports/items?format=pdf", headers=headers)
    assert response.status_code == 422
    assert "XLSX" in response.json()["detail"]
    assert "строк" in response.json()["detail"]
