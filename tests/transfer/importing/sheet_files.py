"""Real files for multi-sheet import tests: workbooks, ZIPs (nested), RARs, built in memory."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import xlsxwriter

from orderdesk.transfer.formats.base import Limits, Source, open_source
from orderdesk.transfer.importing import seams
from tests.transfer.importing.helpers import csv_bytes


def real_open(path: Path, filename: str, limits: Limits) -> Source:
    return open_source(path, filename=filename, limits=limits)


@pytest.fixture
def real_readers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Undo the importing tests' stand-in CSV reader: these tests read real files."""
    monkeypatch.setattr(seams, "open_file", real_open)


def xlsx(sheets: dict[str, Sequence[Sequence[Any]]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def zipped(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def json_rows(rows: Sequence[dict[str, Any]]) -> bytes:
    return orjson.dumps(list(rows))


def csv_file(rows: Sequence[Sequence[Any]]) -> bytes:
    return csv_bytes(rows)


async def upload_bytes(
    client: httpx.AsyncClient, headers: dict[str, str], name: str, data: bytes
) -> int:
    files = {"file": (name, data, "application/octet-stream")}
    response = await client.post("/api/v1/imports", files=files, headers=headers)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def preview(
    client: httpx.AsyncClient, headers: dict[str, str], import_id: int, **options: Any
) -> httpx.Response:
    return await client.post(f"/api/v1/imports/{import_id}/preview", json=options, headers=headers)
