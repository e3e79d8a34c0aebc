"""CSV cells a spreadsheet would run as formulas are neutralised; numbers stay numbers."""

from __future__ import annotations

import csv
import io

import httpx
import pytest

from orderdesk.transfer.export.sanitize import FORMULA_STARTS, escape_cell, unescape_cell
from tests.transfer.export.conftest import Shop


@pytest.mark.parametrize("start", sorted(FORMULA_STARTS))
def test_each_formula_character_at_the_start_gets_a_quote(start: str) -> None:
    assert escape_cell(f"{start}1+1") == f"'{start}1+1"


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
def test_formula_after_leading_spaces_gets_a_quote(start: str) -> None:
    assert escape_cell(f"  {start}SUM(A1)") == f"'  {start}SUM(A1)"
    assert escape_cell(f"\u00a0{start}1") == f"'\u00a0{start}1"


@pytest.mark.parametrize("text", ["Роза", "a=b", "1-2", " plain", "", "'quoted", "x@y.ru"])
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert escape_cell(text) == text


@pytest.mark.parametrize(
    "text", ["=1", "'=1", "''=1", " -1", "'abc", "@x", "\t", "\r\n=1", "-", "'", "''"]
)
def test_unescape_restores_every_text_exactly(text: str) -> None:
    assert unescape_cell(escape_cell(text)) == text


@pytest.mark.parametrize("start", sorted(FORMULA_STARTS))
async def test_csv_export_neutralises_each_formula_character(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop, start: str
) -> None:
    payload = f'{start}HYPERLINK("http://evil")'
    rose = await client.get(f"/api/v1/items/{shop.rose['id']}", headers=admin_headers)
    headers = {**admin_headers, "If-Match": rose.headers["etag"]}
    response = await client.patch(
        f"/api/v1/items/{shop.rose['id']}", json={"description": payload}, headers=headers
    )
    assert response.status_code == 200, response.text
    params = {"q": "роза", "delimiter": ";"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    row = next(csv.DictReader(io.StringIO(response.text, newline=""), delimiter=";"))
    assert row["description"] == "'" + payload
    assert row["price"] == "150.50"


async def test_csv_keeps_negative_numbers_as_numbers(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"q": "роза", "columns": "sku,attr.margin"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.text.splitlines()[1] == "ROSE-1,-0.25"
