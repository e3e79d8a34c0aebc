"""The mismatch report: CSV for Russian and English Excel, XLSX, and who may download it."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import httpx
import pytest

from orderdesk.container import Container
from tests.reconciliation.conftest import run, sale
from tests.reconciliation.xlsx import read_rows

pytestmark = pytest.mark.usefixtures("worker", "sale_rule")


async def _mismatched_day(container: Container) -> None:
    await sale(container, "machine", "VM-1", "10:00:00", "150.00")
    await sale(container, "payment", "VM-1", "10:00:20", "150.00")
    await sale(container, "machine", "VM-1", "11:00:00", "1200.50")
    await sale(container, "payment", "VM-1", "11:00:03", "1250.00")
    await sale(container, "payment", "=HYPERLINK(1)", "12:00:00", "10.00")


async def _report(client: httpx.AsyncClient, headers: dict[str, str], url: str) -> httpx.Response:
    response = await client.get(url, headers=headers)
    assert response.status_code == 200, response.text
    return response


async def test_russian_csv_lists_mismatches_with_semicolons_and_decimal_commas(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await _mismatched_day(container)
    finished = await run(container, client, admin_headers)
    url = f"/api/v1/reconciliations/{finished['id']}/report?format=csv&lang=ru"
    response = await _report(client, admin_headers, url)
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert "attachment" in response.headers["content-disposition"]
    header, *rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert header[:5] == ["Ключ", "Статус", "Номер A", "Время A (UTC)", "Сумма A"]
    assert len(rows) == 2  # the matched pair is not a mismatch
    mismatch = next(row for row in rows if row[1] == "Расхождение суммы")
    assert mismatch[0] == "VM-1"
    assert mismatch[3] == "2026-11-20 08:00:00"
    assert (mismatch[4], mismatch[7], mismatch[8]) == ("1200,50", "1250,00", "49,50")
    assert mismatch[9] == "3"
    lone = next(row for row in rows if row[1] == "Только в B")
    assert lone[0] == "'=HYPERLINK(1)"  # a formula-looking key stays text in Excel
    assert lone[2] == lone[3] == lone[4] == ""


async def test_english_csv_with_matched_rows_uses_commas_and_dots(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await _mismatched_day(container)
    finished = await run(container, client, admin_headers)
    url = f"/api/v1/reconciliations/{finished['id']}/report?lang=en&include_matched=true"
    response = await _report(client, admin_headers, url)
    header, *rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert header[1] == "Status"
    assert sorted(row[1] for row in rows) == ["Amount mismatch", "Matched", "Only in B"]
    assert "1200.50" in {row[4] for row in rows}


async def test_xlsx_report_has_headers_numbers_and_text_cells(
    container: Container,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    tmp_path: Path,
) -> None:
    await _mismatched_day(container)
    finished = await run(container, client, admin_headers)
    query = "format=xlsx&lang=ru&status=amount_mismatch"
    url = f"/api/v1/reconciliations/{finished['id']}/report?{query}"
    response = await _report(client, admin_headers, url)
    path = tmp_path / "report.xlsx"
    path.write_bytes(response.content)
    header, *rows = read_rows(path)
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert header[:2] == ["Ключ", "Статус"]
    assert len(rows) == 1
    assert rows[0][1] == "Расхождение суммы"
    assert float(rows[0][8]) == pytest.approx(49.5)


async def test_a_report_longer_than_one_read_batch_keeps_every_line_in_key_order(
    container: Container,
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from orderdesk.reconciliation import repository

    for machine, at in [("VM-2", "10:00:00"), ("VM-1", "10:00:00"), ("VM-1", "09:00:00")]:
        await sale(container, "machine", machine, at, "10.00")
    await sale(container, "payment", "VM-3", "08:00:00", "10.00")
    finished = await run(container, client, admin_headers)
    monkeypatch.setattr(repository, "BATCH", 1)
    url = f"/api/v1/reconciliations/{finished['id']}/report?lang=en"
    response = await _report(client, admin_headers, url)
    _, *rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert [(row[0], row[3][11:] or row[6][11:]) for row in rows] == [
        ("VM-1", "06:00:00"),
        ("VM-1", "07:00:00"),
        ("VM-2", "07:00:00"),
        ("VM-3", "05:00:00"),
    ]
