"""Items: insert, upsert by SKU with change history, skip, atomic rollback, partial mode."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from orderdesk.catalog.models import Item
from orderdesk.container import Container
from orderdesk.jobs.queue import JobQueue
from tests.factories import make_item, make_item_type
from tests.transfer.importing.helpers import import_rows

pytestmark = pytest.mark.usefixtures("worker")
SCHEMA = [
    {
        "name": "color",
        "label": {"ru": "Цвет", "en": "Color"},
        "type": "enum",
        "enum": ["red", "white"],
    },
    {"name": "length_cm", "label": {"ru": "Длина", "en": "Length"}, "type": "integer", "min": 10},
]
HEADER = ["Артикул", "Наименование", "Цена", "Остаток", "Цвет", "Длина"]


async def items_by_sku(container: Container) -> dict[str, Item]:
    async with container.read_sessions() as session:
        return {item.sku: item for item in (await session.scalars(select(Item))).all()}


async def item_count(container: Container) -> int:
    async with container.read_sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Item)) or 0)


async def test_insert_creates_items_with_russian_numbers_and_typed_attributes(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower", SCHEMA)
    rows = [
        ["Прайс-лист на 01.12.2024", None, None, None, None, None],
        HEADER,
        ["R-1", "Роза красная", "1 234,50", "10", "red", "60"],
        ["R-2", "Роза белая", "99,9", "", "white", "40"],
    ]

    done = await import_rows(client, container, admin_headers, rows, target="items", type="flower")

    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert done["counts"]["created"] == 2
    assert done["counts"]["rejected"] == 0
    items = await items_by_sku(container)
    assert items["R-1"].price == Decimal("1234.5000")
    assert items["R-1"].stock == Decimal("10.0000")
    assert items["R-1"].attributes == {"color": "red", "length_cm": 60}
    assert items["R-2"].stock is None
    found = await client.get("/api/v1/items", params={"q": "белая"}, headers=admin_headers)
    assert [row["sku"] for row in found.json()["items"]] == ["R-2"]


async def test_one_bad_row_rejects_the_whole_import_by_default(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower", SCHEMA)
    rows = [
        HEADER,
        ["R-1", "Роза", "100", "1", "red", "60"],
        ["R-2", "Тюльпан", "дорого", "1", "blue", "5"],
    ]

    done = await import_rows(client, container, admin_headers, rows, target="items", type="flower")

    assert done["status"] == "failed"
    assert done["counts"]["rejected"] == 1
    assert done["counts"]["created"] == 0
    assert "ничего не импортировано" in done["error"] or "nothing was imported" in done["error"]
    assert await item_count(container) == 0
    reasons = {(e["row"], e["column"]) for e in done["report"]["first"]}
    assert reasons == {(3, "Цена"), (3, "Цвет")}


async def test_partial_mode_commits_valid_rows_and_reports_the_rest(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_item_type(container, "flower", SCHEMA)
    rows = [
        HEADER,
        ["R-1", "Роза", "100", "1", "red", "60"],
        ["R-2", "Тюльпан", "1,2,3", "1", "red", "20"],
    ]

    done = await import_rows(
        client, container, admin_headers, rows, target="items", type="flower", partial=True
    )

    assert done["status"] == "succeeded"
    assert done["counts"] | {"rows": 2} == {
        "rows": 2, "created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "rejected": 1,
        "errors": 1,
    }  # fmt: skip
    assert set(await items_by_sku(container)) == {"R-1"}


async def upsert(
    client: httpx.AsyncClient, container: Container, headers: dict[str, str], rows: list[list[Any]]
) -> dict[str, Any]:
    return await import_rows(
        client, container, headers, rows, target="items", type="flower", mode="upsert", key="sku"
    )


async def test_upsert_by_sku_counts_created_updated_unchanged_and_records_history(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    flower = await make_item_type(container, "flower", SCHEMA)
    same = await make_item(container, flower["id"], sku="R-1", name="Роза", price=Decimal("100"))
    changed = await make_item(
        container, flower["id"], sku="R-2", name="Тюльпан", price=Decimal("50")
    )
    rows = [
        ["SKU", "Name", "Price"],
        ["R-1", "Роза", "100.00"],
        ["R-2", "Тюльпан", "55,5"],
        ["R-3", "Лилия", "300"],
    ]

    done = await upsert(client, container, admin_headers, rows)

    assert done["counts"]["created"] == 1
    assert done["counts"]["updated"] == 1
    assert done["counts"]["unchanged"] == 1
    items = await items_by_sku(container)
    assert items["R-2"].price == Decimal("55.5000")
    assert items["R-2"].version == changed["version"] + 1
    assert items["R-1"].version == same["version"]
    history = await client.get(f"/api/v1/items/{changed['id']}/history", headers=admin_headers)
    assert history.status_code == 200, history.text
    entries = [(h["field"], h["old_value"], h["new_value"], h["source"]) for h in history.json()]
    assert ("price", "50.00", "55.50", "import") in entries


async def test_insert_mode_rejects_an_existing_sku_and_skip_mode_skips_it(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    flower = await make_item_type(container, "flower", SCHEMA)
    await make_item(container, flower["id"], sku="R-1", name="Роза", price=Decimal("100"))
    rows = [["SKU", "Name", "Price"], ["R-1", "Другая роза", "1"], ["R-9", "Новая", "2"]]

    refused = await import_rows(
        client, container, admin_headers, rows, target="items", type="flower"
    )
    skipped = await import_rows(
        client,
        container,
        admin_headers,
        rows,
        target="items",
        type="flower",
        mode="skip",
        key="sku",
    )

    assert refused["status"] == "failed"
    assert refused["report"]["first"][0]["reason"]["en"] == "A record with this key already exists"
    assert skipped["status"] == "succeeded"
    assert skipped["counts"]["skipped"] == 1
    assert skipped["counts"]["created"] == 1
    items = await items_by_sku(container)
    assert items["R-1"].name == "Роза"
    assert "R-9" in items


async def test_a_repeated_sku_in_one_file_is_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str], worker: JobQueue
) -> None:
    await make_item_type(container, "flower", SCHEMA)
    rows = [["SKU", "Name"], ["R-1", "Роза"], ["R-1", "Роза ещё раз"]]

    done = await import_rows(
        client, container, admin_headers, rows, target="items", type="flower", partial=True
    )

    assert done["counts"]["created"] == 1
    assert done["counts"]["rejected"] == 1
    assert done["report"]["first"][0]["row"] == 3
