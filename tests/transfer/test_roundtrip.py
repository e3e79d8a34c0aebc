"""An export re-imports losslessly: every format, items and orders, awkward values included.

Each test exports through the API as a user would, wipes the exported records, imports the
file through the real readers and the import job (insert mode), and compares every field with
what was there before. Then the same file is imported again in upsert mode: every row is
unchanged. The one thing a format cannot carry is stated where it is asserted: PDF keeps the
text of a cell but not its whitespace (line breaks, tabs and runs of spaces become one space).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select

from orderdesk.catalog import service as catalog
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.container import Container
from orderdesk.orders import service as orders
from orderdesk.orders.models import Order, OrderEvent, OrderLine, OrderType
from orderdesk.units.models import Unit
from tests.conftest import UserFactory
from tests.factories import (
    SYSTEM,
    make_category,
    make_item,
    make_item_type,
    make_order,
    make_order_type,
    make_unit,
    principal_of,
)
from tests.jobs.conftest import wait_for_job, worker  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("worker")

GADGET_SCHEMA: list[dict[str, Any]] = [
    {"name": "color", "label": {"ru": "Цвет", "en": "Colour"}, "type": "string"},
    {"name": "spec", "label": {"ru": "Характеристики", "en": "Spec"}, "type": "text"},
    {"name": "height", "label": {"ru": "Высота", "en": "Height"}, "type": "integer"},
    {"name": "margin", "label": {"ru": "Наценка", "en": "Margin"}, "type": "decimal"},
    {"name": "fragile", "label": {"ru": "Хрупкое", "en": "Fragile"}, "type": "boolean"},
    {"name": "made_on", "label": {"ru": "Изготовлено", "en": "Made on"}, "type": "date"},
    {"name": "checked_at", "label": {"ru": "Проверено", "en": "Checked at"}, "type": "datetime"},
    {"name": "grade", "label": {"ru": "Сорт", "en": "Grade"}, "type": "enum", "enum": ["A", "Б"]},
]
REQUEST_SCHEMA: list[dict[str, Any]] = [
    {"name": "address", "label": {"ru": "Адрес", "en": "Address"}, "type": "string"},
    {"name": "due", "label": {"ru": "Срок", "en": "Due"}, "type": "date"},
    {"name": "priority", "label": {"ru": "Приоритет", "en": "Priority"}, "type": "integer"},
    {"name": "rush", "label": {"ru": "Срочно", "en": "Rush"}, "type": "boolean"},
]

# A text longer than a PDF page (its row gets a taller page) and a word far wider than its
# column (set in smaller type, never cut).
LONG_TEXT = " ".join(
    f'Абзац {n}: «длинный» текст; с запятыми, = и кавычками "x".' for n in range(120)
)
LONG_WORD = "Сверхдлинноеслово" * 5

# (id, query parameters of the export, file name of the upload)
FORMATS = [
    ("csv-semicolon-bom", {"format": "csv", "delimiter": ";", "bom": "true"}, "export.csv"),
    ("csv-comma", {"format": "csv", "delimiter": ","}, "export.csv"),
    (
        "csv-ru-labels",
        {"format": "csv", "delimiter": ";", "header": "labels", "lang": "ru"},
        "export.csv",
    ),
    (
        "csv-decimal-comma",
        {"format": "csv", "delimiter": ";", "decimal": "comma"},
        "export.csv",
    ),
    ("xlsx", {"format": "xlsx"}, "export.xlsx"),
    ("xlsx-ru", {"format": "xlsx", "lang": "ru"}, "export.xlsx"),
    ("json", {"format": "json"}, "export.json"),
    ("ndjson", {"format": "ndjson"}, "export.ndjson"),
    ("xml", {"format": "xml"}, "export.xml"),
    ("pdf", {"format": "pdf"}, "export.pdf"),
]
FORMAT_IDS = [name for name, _, _ in FORMATS]


def whitespace_collapsed(value: Any) -> Any:
    """What PDF keeps of a text (also in attributes): its words, separated by one space."""
    if isinstance(value, dict):
        return {k: whitespace_collapsed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [whitespace_collapsed(v) for v in value]
    return " ".join(value.split()) if isinstance(value, str) else value


# ---- the data --------------------------------------------------------------------------------


async def make_gadgets(container: Container) -> dict[str, Any]:
    """Items of one type with every attribute kind and the values exports trip over."""
    north = await make_unit(container, "north", "Северный")
    flowers = await make_category(container, 'Цветы; "срезка"')
    gadget = await make_item_type(container, "gadget", GADGET_SCHEMA)
    other = await make_item_type(container, "other", [])
    full = await make_item(
        container,
        gadget["id"],
        sku="Р-001",
        name='Роза "Ред Наоми"; сорт, №1',
        description='строка 1\nстрока 2; "кавычки"',
        price=Decimal("1234.50"),
        stock=Decimal("0.001"),
        category_id=flowers["id"],
        unit_id=north["id"],
        measure_unit="уп.",
        tags=["хит", "весна"],
        attributes={
            "color": "=SUM(A1:A2)",
            "spec": "-5 градусов\nвторая строка",
            "height": 60,
            "margin": "-0.25",
            "fragile": True,
            "made_on": "2026-03-01",
            "checked_at": "2026-03-01T10:30:15+03:00",
            "grade": "Б",
        },
    )
    await make_item(
        container,
        gadget["id"],
        sku="+7-SKU",
        name="@упоминание",
        description="\tс табуляцией в начале",
        price=Decimal("0.001"),
        attributes={"color": "-минус", "fragile": False, "grade": "A"},
    )
    await make_item(
        container,
        gadget["id"],
        sku="-MINUS",
        name="'=уже с апострофом",
        description="'просто апостроф",
        price=Decimal("0"),
        stock=Decimal("99999999999.9999"),
        attributes={"color": "''=два апострофа", "spec": "+плюс", "height": -3},
    )
    archived = await make_item(
        container,
        gadget["id"],
        sku="OLD'1",
        name="Снятый товар",
        description="  отступ и хвост  " + LONG_TEXT,
        price=Decimal("98765432101.2345"),
        attributes={
            "color": "@home",
            "spec": LONG_WORD,
            "checked_at": "2026-01-02T03:04:05.123456+00:00",
        },
    )
    await make_item(container, other["id"], sku="OTHER-1", name="Другой тип")
    async with container.write_sessions() as session:
        await catalog.archive_item(
            session=session,
            principal=SYSTEM,
            item_id=archived["id"],
            reason='снят с продажи; "брак"',
            expected_version=None,
        )
        await session.commit()
    return {"type": gadget, "full": full}


async def make_requests(container: Container, make_user: UserFactory) -> dict[str, Any]:
    """Orders with several lines (catalog and free-form), attributes, statuses, odd texts."""
    north = await make_unit(container, "north", "Северный")
    product = await make_item_type(container, "product", [])
    rose = await make_item(
        container, product["id"], sku="ROSE", name="Роза", price=Decimal("150.50"),
        unit_id=north["id"],
    )  # fmt: skip
    box = await make_item(
        container, product["id"], sku="=BOX", name="Коробка; \"малая\"", price=Decimal("0.001"),
        measure_unit="уп.",
    )  # fmt: skip
    await make_order_type(
        container, "request", attribute_schema=REQUEST_SCHEMA, vat_rate="20",
        prices_include_vat=False,
    )  # fmt: skip
    alice = await make_user("customer", username="alice", display_name="Алиса")
    bob = await make_user("customer", username=None, email="bob@example.com", display_name="Боб")
    first = await make_order(
        container,
        customer_id=alice.id,
        unit_id=north["id"],
        external_ref='EXT-1; "a"',
        note='Позвонить; "срочно"\nвторая строка',
        starts_at=datetime(2026, 5, 1, 9, 0, tzinfo=UTC),
        ends_at=datetime(2026, 5, 1, 18, 30, 15, tzinfo=UTC),
        attributes={"address": "=ул. Ленина, 1", "due": "2026-12-31", "priority": 2, "rush": True},
        lines=[
            {"item_id": rose["id"], "quantity": "3"},
            {"item_id": box["id"], "quantity": "1234.5"},
            {"name": '-скидка "постоянному"', "quantity": "1", "unit_price": "0.001"},
            {"name": "Доставка", "quantity": "2", "unit_price": "1234.50", "coefficient": "1.5"},
        ],
    )
    async with container.write_sessions() as session:
        await orders.transition(
            session=session, principal=SYSTEM, order_id=first["id"], to="accepted"
        )
        await session.commit()
    bob_order = await make_order(
        container,
        principal=principal_of(alice),
        note="\t@таб и собака",
        lines=[{"item_id": rose["id"], "quantity": "1"}],
    )
    third = await make_order(
        container,
        customer_id=bob.id,
        note="+7 (999) 123-45-67",
        lines=[{"name": "'=формула", "unit_price": "5", "quantity": "0.5"}],
    )
    async with container.write_sessions() as session:
        await orders.transition(
            session=session, principal=SYSTEM, order_id=third["id"], to="cancelled"
        )
        await session.commit()
    return {"first": first, "second": bob_order, "third": third}


# ---- what the database holds -------------------------------------------------------------------


async def item_records(container: Container) -> dict[str, dict[str, Any]]:
    """Every exported item field as stored (references by code or name), by SKU."""
    stmt = (
        select(
            Item.sku,
            Item.name,
            ItemType.code.label("type"),
            Category.name.label("category"),
            Unit.code.label("unit"),
            Item.measure_unit,
            Item.price,
            Item.currency,
            Item.stock,
            Item.status,
            Item.tags,
            Item.description,
            Item.archived_at,
            Item.archive_reason,
            Item.created_at,
            Item.attributes,
        )  # fmt: skip
        .join(ItemType, ItemType.id == Item.item_type_id)
        .outerjoin(Category, Category.id == Item.category_id)
        .outerjoin(Unit, Unit.id == Item.unit_id)
        .where(ItemType.code == "gadget")
    )
    async with container.read_sessions() as session:
        rows = (await session.execute(stmt)).mappings().all()
    return {row["sku"]: dict(row) for row in rows}


async def order_records(container: Container) -> dict[str, dict[str, Any]]:
    """Every exported order field and its lines as stored, by number."""
    stmt = (
        select(
            Order.id,
            Order.number,
            OrderType.code.label("type"),
            Order.status,
            Order.channel,
            Order.customer_id,
            Unit.code.label("unit"),
            Order.external_source,
            Order.external_ref,
            Order.currency,
            Order.subtotal,
            Order.vat_amount,
            Order.total,
            Order.note,
            Order.starts_at,
            Order.ends_at,
            Order.created_at,
            Order.attributes,
        )  # fmt: skip
        .join(OrderType, OrderType.id == Order.order_type_id)
        .outerjoin(Unit, Unit.id == Order.unit_id)
    )
    line_stmt = select(
        OrderLine.order_id, OrderLine.position, OrderLine.item_id, OrderLine.sku, OrderLine.name,
        OrderLine.measure_unit, OrderLine.quantity, OrderLine.unit_price, OrderLine.coefficient,
        OrderLine.amount,
    ).order_by(OrderLine.order_id, OrderLine.position)  # fmt: skip
    async with container.read_sessions() as session:
        rows = (await session.execute(stmt)).mappings().all()
        lines = (await session.execute(line_stmt)).mappings().all()
    found = {}
    for row in rows:
        record = dict(row)
        order_id = record.pop("id")
        record["lines"] = [
            {k: v for k, v in line.items() if k != "order_id"}
            for line in lines
            if line["order_id"] == order_id
        ]
        found[record["number"]] = record
    return found


async def wipe(container: Container, *models: Any) -> None:
    async with container.write_sessions() as session:
        for model in models:
            await session.execute(delete(model))
        await session.commit()


# ---- export and import through the API ---------------------------------------------------------


async def export(
    client: httpx.AsyncClient, headers: dict[str, str], target: str, params: dict[str, str]
) -> bytes:
    query = dict(params)
    if query["format"] == "pdf":
        # A PDF shows a readable subset by default; a re-importable one asks for every column.
        every = {**query, "format": "csv"}
        listed = await client.get(f"/api/v1/exports/{target}/columns", params=every,
                                  headers=headers)  # fmt: skip
        query["columns"] = ",".join(column["key"] for column in listed.json())
    response = await client.get(f"/api/v1/exports/{target}", params=query, headers=headers)
    assert response.status_code == 200, response.text
    return response.content


async def import_file(
    client: httpx.AsyncClient,
    container: Container,
    headers: dict[str, str],
    content: bytes,
    name: str,
    **options: Any,
) -> dict[str, Any]:
    uploaded = await client.post(
        "/api/v1/imports", files={"file": (name, content, "application/octet-stream")},
        headers=headers,
    )  # fmt: skip
    assert uploaded.status_code == 201, uploaded.text
    import_id = uploaded.json()["id"]
    committed = await client.post(
        f"/api/v1/imports/{import_id}/commit", json=options, headers=headers
    )
    assert committed.status_code == 202, committed.text
    await wait_for_job(container, committed.json()["job_id"], timeout=60)
    final = await client.get(f"/api/v1/imports/{import_id}", headers=headers)
    done = dict(final.json())
    assert done["status"] == "succeeded", (done["error"], done["report"])
    return done


def differences(
    expected: dict[str, dict[str, Any]], found: dict[str, dict[str, Any]]
) -> list[tuple[str, str, Any, Any]]:
    """(record key, field, expected, found) for every field that did not come back equal."""
    out = [(key, "*", "present", "missing") for key in expected if key not in found]
    out += [(key, "*", "absent", "present") for key in found if key not in expected]
    for key in expected.keys() & found.keys():
        want, got = expected[key], found[key]
        out += [(key, f, want.get(f), got.get(f)) for f in want.keys() | got.keys()
                if want.get(f) != got.get(f)]  # fmt: skip
    return sorted(out, key=repr)


def assert_same(expected: dict[str, dict[str, Any]], found: dict[str, dict[str, Any]]) -> None:
    lost = differences(expected, found)
    assert not lost, "\n".join(map(repr, lost))


def counts(done: dict[str, Any]) -> tuple[int, int, int, int]:
    c = done["counts"]
    return c["created"], c["updated"], c["unchanged"], c["rejected"]


# ---- the round trips ---------------------------------------------------------------------------


def expected_items(before: dict[str, dict[str, Any]], fmt: str) -> dict[str, dict[str, Any]]:
    if fmt != "pdf":
        return before
    return {
        sku: {k: whitespace_collapsed(v) for k, v in record.items()}
        for sku, record in before.items()
    }


@pytest.mark.parametrize(("fmt", "params", "name"), FORMATS, ids=FORMAT_IDS)
async def test_items_export_reimports_field_by_field_and_again_as_unchanged(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    fmt: str,
    params: dict[str, str],
    name: str,
) -> None:
    made = await make_gadgets(container)
    before = await item_records(container)
    assert len(before) == 4
    query = {**params, "item_type_id": str(made["type"]["id"])}
    content = await export(client, admin_headers, "items", query)
    await wipe(container, Item)

    done = await import_file(
        client, container, admin_headers, content, name, target="items", type="gadget"
    )

    assert counts(done) == (4, 0, 0, 0)
    after = await item_records(container)
    assert_same(expected_items(before, fmt), after)

    again = await import_file(
        client, container, admin_headers, content, name,
        target="items", type="gadget", mode="upsert", key="sku",
    )  # fmt: skip

    assert counts(again) == (0, 0, 4, 0)
    assert_same(after, await item_records(container))


def expected_orders(before: dict[str, dict[str, Any]], fmt: str) -> dict[str, dict[str, Any]]:
    if fmt != "pdf":
        return before
    out = {}
    for number, record in before.items():
        copy = {k: whitespace_collapsed(v) for k, v in record.items()}
        copy["lines"] = [
            {k: whitespace_collapsed(v) for k, v in line.items()} for line in record["lines"]
        ]
        out[number] = copy
    return out


@pytest.mark.parametrize(("fmt", "params", "name"), FORMATS, ids=FORMAT_IDS)
async def test_orders_export_reimports_with_lines_field_by_field_and_again_as_unchanged(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    make_user: UserFactory,
    fmt: str,
    params: dict[str, str],
    name: str,
) -> None:
    await make_requests(container, make_user)
    before = await order_records(container)
    assert len(before) == 3
    assert sorted(len(record["lines"]) for record in before.values()) == [1, 1, 4]
    content = await export(client, admin_headers, "orders", params)
    await wipe(container, OrderEvent, OrderLine, Order)

    done = await import_file(
        client, container, admin_headers, content, name, target="orders", type="request"
    )

    assert counts(done) == (3, 0, 0, 0)
    after = await order_records(container)
    assert_same(expected_orders(before, fmt), after)

    again = await import_file(
        client, container, admin_headers, content, name,
        target="orders", type="request", mode="upsert", key="number",
    )  # fmt: skip

    assert counts(again) == (0, 0, 3, 0)
    assert_same(after, await order_records(container))


async def test_a_category_name_two_parents_share_is_refused_not_linked_to_the_wrong_one(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    flowers = await make_category(container, "Цветы")
    pots = await make_category(container, "Горшки")
    await make_category(container, "Прочее", parent_id=flowers["id"])
    other = await make_category(container, "Прочее", parent_id=pots["id"])
    gadget = await make_item_type(container, "gadget", [])
    await make_item(container, gadget["id"], sku="P-1", name="Кашпо", category_id=other["id"])
    content = await export(client, admin_headers, "items", {"format": "csv"})
    await wipe(container, Item)
    uploaded = await client.post(
        "/api/v1/imports", files={"file": ("export.csv", content, "text/csv")},
        headers=admin_headers,
    )  # fmt: skip
    import_id = uploaded.json()["id"]

    preview = await client.post(
        f"/api/v1/imports/{import_id}/preview",
        json={"target": "items", "type": "gadget"},
        headers={**admin_headers, "Accept-Language": "en"},
    )

    assert preview.status_code == 200, preview.text
    errors = preview.json()["errors"]
    assert [(e["column"], e["value"]) for e in errors] == [("category", "Прочее")]
    assert errors[0]["reason"].startswith("Several records have this name")
