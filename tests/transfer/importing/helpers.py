"""Sources built from Python lists, a tiny CSV reader for uploads, and an import runner.

The real readers (`transfer/formats/`) are written in parallel; these tests exercise the
pipeline against the reader contract only: `seams.open_file` is replaced by `csv_open`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from orderdesk.container import Container
from orderdesk.transfer.formats.base import Cell, Limits, Sheet, Source
from tests.jobs.conftest import wait_for_job


def source_of(rows: Sequence[Sequence[Cell]], name: str = "Лист1") -> Source:
    """A Source with one sheet holding these raw rows."""
    sheet = Sheet(name=name, rows=iter([list(row) for row in rows]))
    return Source(format="xlsx", sheets=iter([sheet]))


def csv_open(path: Path, filename: str, limits: Limits) -> Source:
    """Test-only reader: UTF-8 CSV with `;`, every cell a string (as a CSV reader gives them)."""
    text = path.read_text(encoding="utf-8-sig")
    rows = [
        [cell if cell != "" else None for cell in row]
        for row in csv.reader(io.StringIO(text), delimiter=";")
    ]
    sheet = Sheet(name=filename, rows=iter(rows))
    return Source(
        format="csv", sheets=iter([sheet]), declared_format="csv", encoding="utf-8", delimiter=";"
    )


def csv_bytes(rows: Sequence[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    return buffer.getvalue().encode()


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    rows: Sequence[Sequence[Any]],
    name: str = "data.csv",
) -> httpx.Response:
    files = {"file": (name, csv_bytes(rows), "text/csv")}
    return await client.post("/api/v1/imports", files=files, headers=headers)


async def commit_and_wait(
    client: httpx.AsyncClient,
    container: Container,
    headers: dict[str, str],
    import_id: int,
    **options: Any,
) -> dict[str, Any]:
    """Commit with these options, wait for the job, return the import as the API shows it."""
    response = await client.post(
        f"/api/v1/imports/{import_id}/commit", json=options, headers=headers
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    await wait_for_job(container, job_id)
    final = await client.get(f"/api/v1/imports/{import_id}", headers=headers)
    assert final.status_code == 200, final.text
    return dict(final.json())


async def import_rows(
    client: httpx.AsyncClient,
    container: Container,
    headers: dict[str, str],
    rows: Sequence[Sequence[Any]],
    **options: Any,
) -> dict[str, Any]:
    """Upload rows as a CSV and commit them; returns the finished import."""
    uploaded = await upload(client, headers, rows)
    assert uploaded.status_code == 201, uploaded.text
    return await commit_and_wait(client, container, headers, uploaded.json()["id"], **options)
