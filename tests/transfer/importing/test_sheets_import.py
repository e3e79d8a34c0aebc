"""Every sheet of a workbook and every member of an archive is imported; the rest is explained."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from orderdesk.catalog.models import Item
from orderdesk.container import Container
from orderdesk.transfer.importing.report import RejectionLog
from orderdesk.transfer.importing.targets.base import Rejection
from tests.factories import make_item_type
from tests.transfer.formats.biff_samples import write_xls
from tests.transfer.formats.binary_samples import rar4_stored
from tests.transfer.importing.helpers import commit_and_wait
from tests.transfer.importing.sheet_files import (
    csv_file,
    json_rows,
    preview,
    real_readers,  # noqa: F401  (fixture)
    upload_bytes,
    xlsx,
    zipped,
)

pytestmark = pytest.mark.usefixtures("worker", "real_readers")

JANUARY = [["Артикул", "Наименование", "Цена"], ["R-1", "Роза", 100], ["R-2", "Лилия", 120]]
FEBRUARY = [["SKU", "Name", "Price"], ["T-1", "Тюльпан", 80]]
NOTES = [["Заполните листы с ценами"], ["Цены в рублях"]]


async def prices(container: Container) -> dict[str, Decimal]:
    async with container.read_sessions() as session:
        items = (await session.scalars(select(Item).order_by(Item.sku))).all()
    return {item.sku: item.price for item in items}


async def test_every_sheet_that_maps_is_imported_and_the_others_are_listed_with_a_reason(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    book = xlsx({"Январь": JANUARY, "Инструкция": NOTES, "Февраль": FEBRUARY, "Пусто": []})
    import_id = await upload_bytes(client, admin_headers, "prices.xlsx", book)

    shown = await preview(client, admin_headers, import_id, target="items", type="flower")

    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert [(s["name"], s["included"]) for s in body["sheets"]] == [
        ("Январь", True), ("Инструкция", False), ("Февраль", True),
    ]  # fmt: skip
    assert body["sheets"][2]["mapping"] == {"sku": "SKU", "name": "Name", "price": "Price"}
    assert body["counts"]["created"] == 3
    skipped = {s["sheet"]: s["reason"] for s in body["skipped"]}
    assert set(skipped) == {"Инструкция", "Пусто"}
    assert skipped["Инструкция"].startswith("The header does not map")
    assert skipped["Пусто"] == "No rows"
    done = await commit_and_wait(
        client, container, admin_headers, import_id, target="items", type="flower"
    )
    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert done["counts"]["created"] == 3
    assert await prices(container) == {
        "R-1": Decimal("100"), "R-2": Decimal("120"), "T-1": Decimal("80"),
    }  # fmt: skip
    assert done["report"]["sheets"] == ["Январь", "Февраль"]
    reasons = {s["sheet"]: s["reason"]["ru"] for s in done["report"]["skipped"]}
    assert reasons["Пусто"] == "Нет строк"


async def test_a_bad_row_on_a_later_sheet_rolls_back_every_sheet_and_is_named_by_sheet_and_row(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    bad = [["SKU", "Name", "Price"], ["T-1", "Тюльпан", 80], ["T-2", "Ирис", "дорого"]]
    book = xlsx({"Январь": JANUARY, "Февраль": bad, "Март": FEBRUARY[:1] + [["M-1", "Мак", 5]]})
    import_id = await upload_bytes(client, admin_headers, "prices.xlsx", book)

    shown = await preview(client, admin_headers, import_id, target="items", type="flower")
    done = await commit_and_wait(
        client, container, admin_headers, import_id, target="items", type="flower"
    )

    assert [(e["sheet"], e["row"]) for e in shown.json()["errors"]] == [("Февраль", 3)]
    assert done["status"] == "failed"
    assert done["counts"]["rejected"] == 1
    assert await prices(container) == {}
    report = await client.get(
        f"/api/v1/imports/{import_id}/report", headers={**admin_headers, "Accept-Language": "ru"}
    )
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Лист", "Строка", "Колонка", "Значение", "Причина"],
        ["Февраль", "3", "Price", "дорого", "Не число"],
    ]


async def test_a_zip_of_csv_xlsx_and_json_imports_every_member_and_explains_the_skipped_ones(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    archive = zipped({
        "май/prices.csv": csv_file([["Артикул", "Наименование", "Цена"], ["C-1", "Роза", "10,5"]]),
        "май/book.xlsx": xlsx({"Лист1": FEBRUARY}),
        "items.json": json_rows([{"sku": "J-1", "name": "Астра", "price": 7}]),
        "logo.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
        "empty.csv": b"",
    })  # fmt: skip
    import_id = await upload_bytes(client, admin_headers, "upload.zip", archive)

    shown = await preview(client, admin_headers, import_id, target="items", type="flower")
    done = await commit_and_wait(
        client, container, admin_headers, import_id, target="items", type="flower"
    )

    assert shown.status_code == 200, shown.text
    assert [s["name"] for s in shown.json()["sheets"]] == [
        "май/prices.csv", "май/book.xlsx/Лист1", "items.json",
    ]  # fmt: skip
    assert {s["sheet"] for s in shown.json()["skipped"]} == {"logo.png", "empty.csv"}
    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert await prices(container) == {
        "C-1": Decimal("10.5"), "J-1": Decimal("7"), "T-1": Decimal("80"),
    }  # fmt: skip
    assert {s["sheet"] for s in done["report"]["skipped"]} == {"logo.png", "empty.csv"}


async def test_a_zip_inside_a_zip_is_imported_and_deeper_nesting_is_refused_with_nothing_written(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    inner = zipped({"a.csv": csv_file([["SKU", "Name", "Price"], ["N-1", "Вереск", "3"]])})
    outer = zipped({"inner.zip": inner, "b.csv": csv_file(FEBRUARY)})
    too_deep = zipped({"outer.zip": outer})
    nested_id = await upload_bytes(client, admin_headers, "nested.zip", outer)
    deep_id = await upload_bytes(client, admin_headers, "deep.zip", too_deep)

    done = await commit_and_wait(
        client, container, admin_headers, nested_id, target="items", type="flower"
    )
    refused = await preview(client, admin_headers, deep_id, target="items", type="flower")

    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert await prices(container) == {"N-1": Decimal("3"), "T-1": Decimal("80")}
    assert refused.status_code == 413
    assert refused.json()["type"].endswith("file-too-large")


async def test_rar_members_are_imported_with_their_names_on_every_row_reference(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    bad = [["SKU", "Name", "Price"], ["X-1", "Мак", "нет"]]
    archive = rar4_stored([("a.csv", csv_file(FEBRUARY)), ("b.xlsx", xlsx({"Цены": bad}))])
    import_id = await upload_bytes(client, admin_headers, "upload.rar", archive)

    done = await commit_and_wait(
        client, container, admin_headers, import_id, target="items", type="flower",
        partial=True,
    )  # fmt: skip

    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert await prices(container) == {"T-1": Decimal("80")}
    first = done["report"]["first"]
    assert [(e["sheet"], e["row"], e["column"]) for e in first] == [("b.xlsx/Цены", 2, "Price")]


async def test_a_given_mapping_applies_to_every_sheet_and_a_sheet_without_its_columns_is_skipped(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    odd = [["Код", "Товар", "Отпускная"], ["V-1", "Роза", 10]]
    book = xlsx({"A": odd, "B": [odd[0], ["V-2", "Лилия", 20]], "C": FEBRUARY})
    import_id = await upload_bytes(client, admin_headers, "odd.xlsx", book)
    mapping = {"sku": "Код", "name": "Товар", "price": "Отпускная"}

    done = await commit_and_wait(
        client, container, admin_headers, import_id, target="items", type="flower",
        mapping=mapping,
    )  # fmt: skip

    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert await prices(container) == {"V-1": Decimal("10"), "V-2": Decimal("20")}
    skipped = done["report"]["skipped"]
    assert [s["sheet"] for s in skipped] == ["C"]
    assert skipped[0]["reason"]["en"].startswith("The mapped columns are not on this sheet")


async def test_a_hostile_member_refuses_the_whole_archive_with_a_413_and_nothing_written(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str], tmp_path: Path
) -> None:
    await make_item_type(container, "flower")
    bomb = write_xls(
        tmp_path / "far.xls", {f"S{n}": [(0, 0, "x"), (65535, 255, 1.0)] for n in range(4)}
    )
    archive = zipped({"a.csv": csv_file(FEBRUARY), "old.xls": bomb.read_bytes()})
    import_id = await upload_bytes(client, admin_headers, "upload.zip", archive)

    shown = await preview(client, admin_headers, import_id, target="items", type="flower")
    commit = await client.post(
        f"/api/v1/imports/{import_id}/commit",
        json={"target": "items", "type": "flower"},
        headers=admin_headers,
    )

    assert shown.status_code == 413
    assert shown.headers["content-type"].startswith("application/problem+json")
    assert "old.xls" in shown.json()["detail"]
    assert commit.status_code == 413
    assert await prices(container) == {}


async def test_choosing_a_sheet_imports_only_that_sheet(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower")
    book = xlsx({"Январь": JANUARY, "Февраль": FEBRUARY})
    import_id = await upload_bytes(client, admin_headers, "prices.xlsx", book)

    done = await commit_and_wait(
        client, container, admin_headers, import_id, target="items", type="flower", sheet=1
    )

    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert await prices(container) == {"T-1": Decimal("80")}


def test_the_same_row_number_on_two_sheets_counts_as_two_rejected_rows() -> None:
    log = RejectionLog()
    try:
        log.sheet = "Январь"
        log.add([Rejection.of(3, "Цена", "x", "import.not_a_number")])
        log.sheet = "Февраль"
        log.add([Rejection.of(3, "Цена", "y", "import.not_a_number")])
    finally:
        log.close()

    assert log.rows == 2
    assert [(e["sheet"], e["row"]) for e in log.first] == [("Январь", 3), ("Февраль", 3)]
