"""Each export format opens in the tool a user would use and holds the exported rows."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import UTC, date, datetime
from xml.etree import ElementTree

import httpx
import pytest
from pypdf import PdfReader
from python_calamine import CalamineWorkbook

from orderdesk.catalog.models import Item
from orderdesk.container import Container
from tests.factories import make_item, set_created_at
from tests.transfer.export.conftest import Shop


def parse_csv(response: httpx.Response, delimiter: str = ",") -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


async def test_items_csv_has_every_item_with_attributes_and_iso_values(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    response = await client.get("/api/v1/exports/items", headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = {row["sku"]: row for row in parse_csv(response)}
    assert set(rows) == {"ROSE-1", "TULIP-1", "DLV"}
    rose = rows["ROSE-1"]
    assert rose["name"] == "Роза красная"
    assert rose["type"] == "flower"
    assert rose["unit"] == "north"
    assert rose["price"] == "150.50"
    assert rose["stock"] == "12.50"
    assert rose["attr.margin"] == "-0.25"  # a number column: never prefixed with a quote
    assert rose["status"] == "active"
    assert rose["tags"] == "хит, весна"
    assert rose["attr.color"] == "красный"
    assert rose["attr.height"] == "60"
    assert rose["attr.cut_on"] == "2026-03-01"
    assert rows["DLV"]["attr.minutes"] == "90"
    assert rows["DLV"]["attr.color"] == ""
    assert datetime.fromisoformat(rose["created_at"]).tzinfo is not None


async def test_csv_with_semicolon_bom_and_decimal_comma_opens_in_excel_style(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"delimiter": ";", "bom": "true", "decimal": "comma"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = {row["sku"]: row for row in parse_csv(response, ";")}
    assert rows["ROSE-1"]["price"] == "150,50"
    assert rows["ROSE-1"]["attr.margin"] == "-0,25"


async def test_tab_delimited_csv(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"delimiter": "tab"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.text.splitlines()[0].startswith("sku\tname\ttype")


async def test_unknown_delimiter_is_a_validation_error(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"delimiter": "x"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "delimiter"


async def test_orders_csv_has_one_row_per_line_with_the_order_repeated(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    response = await client.get("/api/v1/exports/orders", headers=admin_headers)
    rows = parse_csv(response)
    alice = [row for row in rows if row["number"] == shop.alice_order["number"]]
    assert [row["line.sku"] for row in alice] == ["ROSE-1", "DLV"]
    assert {row["customer"] for row in alice} == {"alice"}
    assert {row["total"] for row in alice} == {"751.50"}
    assert {row["attr.address"] for row in alice} == {"ул. Ленина, 1"}
    assert alice[0]["line.quantity"] == "3.00"
    assert alice[0]["line.amount"] == "451.50"
    assert alice[0]["status"] == "pending"
    assert alice[0]["type"] == "request"
    assert len(rows) == 3


async def test_orders_without_lines_give_one_row_per_order(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"lines": "false"}
    response = await client.get("/api/v1/exports/orders", params=params, headers=admin_headers)
    rows = parse_csv(response)
    assert sorted(row["number"] for row in rows) == sorted(
        [shop.alice_order["number"], shop.bob_order["number"]]
    )
    assert not any(key.startswith("line.") for key in rows[0])


async def test_json_is_an_array_of_objects_keyed_by_column(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"format": "json"}
    response = await client.get("/api/v1/exports/orders", params=params, headers=admin_headers)
    assert response.headers["content-type"] == "application/json"
    rows = response.json()
    assert len(rows) == 3
    first = next(row for row in rows if row["line.sku"] == "ROSE-1")
    assert first["number"] == shop.alice_order["number"]
    assert first["line.unit_price"] == "150.50"
    assert first["attr.address"] == "ул. Ленина, 1"
    assert first["customer_name"] == "Алиса"
    assert datetime.fromisoformat(first["created_at"]).tzinfo is not None


async def test_ndjson_has_one_object_per_line(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"format": "ndjson"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.headers["content-type"] == "application/x-ndjson"
    lines = response.text.splitlines()
    assert len(lines) == 3
    assert {json.loads(line)["sku"] for line in lines} == {"ROSE-1", "TULIP-1", "DLV"}


async def test_empty_json_export_is_an_empty_array(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"format": "json", "q": "нет-такого"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.json() == []


async def test_xml_has_an_element_per_row_and_column(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"format": "xml"}
    response = await client.get("/api/v1/exports/orders", params=params, headers=admin_headers)
    assert response.headers["content-type"] == "application/xml"
    root = ElementTree.fromstring(response.content)
    assert root.tag == "orders"
    orders = root.findall("order")
    assert len(orders) == 3
    rose = next(o for o in orders if o.findtext("line.sku") == "ROSE-1")
    assert rose.findtext("number") == shop.alice_order["number"]
    assert rose.findtext("note") == "Позвонить за час"
    assert rose.findtext("line.amount") == "451.50"


async def test_xml_escapes_markup_and_drops_characters_xml_cannot_hold(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    patch = {"description": "a < b & c > d\x01\r\nнов"}
    rose = await client.get(f"/api/v1/items/{shop.rose['id']}", headers=admin_headers)
    headers = {**admin_headers, "If-Match": rose.headers["etag"]}
    updated = await client.patch(f"/api/v1/items/{shop.rose['id']}", json=patch, headers=headers)
    assert updated.status_code == 200, updated.text
    params = {"format": "xml", "q": "роза"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    item = ElementTree.fromstring(response.content).find("item")
    assert item is not None
    assert item.findtext("description") == "a < b & c > d\r\nнов"


async def test_xlsx_cells_are_typed_numbers_dates_and_text(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop, container: Container
) -> None:
    exact = datetime(2026, 3, 1, 9, 30, 15, 250000, tzinfo=UTC)
    await set_created_at(container, Item, shop.rose["id"], exact)
    fine = datetime(2026, 3, 1, 9, 30, 15, 250001, tzinfo=UTC)
    await set_created_at(container, Item, shop.tulip["id"], fine)
    params = {"format": "xlsx", "lang": "ru"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    header = rows[0]
    assert header[:3] == ["Артикул", "Наименование", "Тип"]
    assert "Цвет" in header
    by_sku = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    rose = by_sku["ROSE-1"]
    assert rose["Наименование"] == "Роза красная"
    assert rose["Цена"] == pytest.approx(150.5)
    assert rose["Остаток"] == pytest.approx(12.5)
    assert rose["Наценка"] == pytest.approx(-0.25)
    assert rose["Высота"] == pytest.approx(60)
    assert rose["Срезан"] == date(2026, 3, 1)
    assert rose["Создано"] == exact.replace(tzinfo=None)  # UTC, to the millisecond
    # Excel cannot hold microseconds: such a time is ISO text, so it re-imports exactly.
    assert by_sku["TULIP-1"]["Создано"] == fine.isoformat()


async def test_pdf_is_a_readable_table_with_cyrillic_text(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    params = {"format": "pdf", "lang": "ru"}
    response = await client.get("/api/v1/exports/orders", params=params, headers=admin_headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height  # landscape
    text = page.extract_text()
    assert "Заказы" in text
    assert "Наименование строки" in text
    assert shop.alice_order["number"] in text
    assert "Роза красная" in text
    assert "Страница 1 из 1" in text


async def test_long_pdf_repeats_the_header_and_numbers_every_page(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop, container: Container
) -> None:
    for n in range(70):
        await make_item(container, shop.flower["id"], sku=f"P-{n:03}", name=f"Пион {n}")
    params = {"format": "pdf"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) >= 2
    for number, page in enumerate(reader.pages, start=1):
        text = page.extract_text()
        assert "SKU" in text
        assert "Name" in text
        assert f"Page {number} of {len(reader.pages)}" in text


async def test_xlsx_never_stores_user_text_as_a_formula(
    client: httpx.AsyncClient, admin_headers: dict[str, str], shop: Shop
) -> None:
    patch = {"description": '=HYPERLINK("http://evil","x")'}
    rose = await client.get(f"/api/v1/items/{shop.rose['id']}", headers=admin_headers)
    headers = {**admin_headers, "If-Match": rose.headers["etag"]}
    await client.patch(f"/api/v1/items/{shop.rose['id']}", json=patch, headers=headers)
    params = {"format": "xlsx"}
    response = await client.get("/api/v1/exports/items", params=params, headers=admin_headers)
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert "HYPERLINK" in sheet  # kept, as a string cell
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    column = rows[0].index("Description")
    assert any(row[column] == patch["description"] for row in rows[1:])
