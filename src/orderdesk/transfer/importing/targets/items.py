"""Items of one item type, keyed by SKU; attributes validated by the type's schema."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, cast

from sqlalchemy import Table, select

from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.catalog.service import ITEM_FIELDS
from orderdesk.core.errors import FieldError, ValidationFailed
from orderdesk.core.pagination import search_text
from orderdesk.core.permissions import Permission
from orderdesk.db.types import utcnow
from orderdesk.transfer.importing import bulk
from orderdesk.transfer.importing.mapping import normalise
from orderdesk.transfer.importing.targets.base import (
    ChunkResult,
    FieldSpec,
    ParsedRow,
    Rejection,
    Target,
)
from orderdesk.transfer.importing.targets.common import (
    AMBIGUOUS,
    attribute_fields,
    attributes_of,
    change_rows,
    check_attributes,
    diff,
    label,
    units_by_name,
    with_export_names,
    write_changes,
)

ITEMS = cast(Table, Item.__table__)
STATUSES = {"active": "active", "активна": "active", "активный": "active", "archived": "archived"}
STATUSES |= {"архив": "archived", "в архиве": "archived", "архивная": "archived"}
FIELDS = [
    FieldSpec(
        "sku",
        "text",
        label("SKU", "Артикул"),
        ("код", "код товара", "article", "code", "vendor code", "артикул товара"),
        True,
        100,
    ),
    FieldSpec(
        "name",
        "text",
        label("Name", "Наименование"),
        ("название", "товар", "номенклатура", "title", "product", "item"),
        True,
        300,
    ),
    FieldSpec("description", "text", label("Description", "Описание"), strip=False),
    FieldSpec(
        "price",
        "decimal",
        label("Price", "Цена"),
        ("стоимость", "cost", "цена руб", "розничная цена"),
    ),
    FieldSpec("currency", "text", label("Currency", "Валюта"), (), False, 3),
    FieldSpec(
        "stock", "decimal", label("Stock", "Остаток"), ("на складе", "qty on hand", "in stock")
    ),
    FieldSpec(
        "measure_unit",
        "text",
        label("Unit of measure", "Ед. изм."),
        ("единица измерения", "единица", "uom", "ед"),
        False,
        32,
    ),
    FieldSpec("category", "text", label("Category", "Категория"), ("группа", "group", "раздел")),
    FieldSpec("unit", "text", label("Department", "Подразделение"), ("отдел", "unit", "филиал")),
    FieldSpec("status", "enum", label("Status", "Статус"), (), False, None, STATUSES),
    FieldSpec("tags", "list", label("Tags", "Метки"), ("теги", "метки")),
    FieldSpec("archived_at", "datetime", label("Archived at", "В архиве с")),
    FieldSpec(
        "archive_reason", "text", label("Archive reason", "Причина архивации"), (), False, 500
    ),
    FieldSpec("created_at", "datetime", label("Created at", "Создано")),
]
FIELDS = with_export_names(FIELDS, {})
INSERT_COLUMNS: tuple[str, ...] = (
    *ITEM_FIELDS,
    "archived_at",
    "search_text",
    "version",
    "created_at",
    "updated_at",
)
UPDATE_COLUMNS: tuple[str, ...] = tuple(f for f in ITEM_FIELDS if f not in ("item_type_id", "sku"))
UPDATE_COLUMNS += ("archived_at", "search_text", "version", "updated_at")
TRACKED = (*(f for f in ITEM_FIELDS if f != "item_type_id"), "archived_at")


class ItemsTarget(Target):
    name: ClassVar[str] = "items"
    keys: ClassVar[tuple[str, ...]] = ("sku",)
    permission: ClassVar[Permission] = Permission.catalog_manage
    update_permission: ClassVar[Permission] = Permission.catalog_manage

    async def load(self) -> None:
        code = self.options.type_code
        item_type = await self.session.scalar(select(ItemType).where(ItemType.code == code))
        if item_type is None or not item_type.active:
            raise ValidationFailed(
                [FieldError("type", "import_type_not_found", type_code=code or "")]
            )
        self.item_type = item_type
        self.schema = item_type.attribute_schema
        self.fields = [*FIELDS, *attribute_fields(self.schema)]
        self.units = await units_by_name(self.session)
        self.categories: dict[str, int] = {}
        for row in await self.session.execute(select(Category.id, Category.name)):
            name = normalise(row.name)
            # Names are unique only under one parent: a shared one cannot say which it means.
            self.categories[name] = AMBIGUOUS if name in self.categories else row.id

    def _refs(self, row: ParsedRow, values: dict[str, Any]) -> list[Rejection]:
        problems = []
        for field, table in (("category", self.categories), ("unit", self.units)):
            if field in row.values:
                found = table.get(normalise(row.values[field]))
                if found is None or found == AMBIGUOUS:
                    column = row.columns.get(field, field)
                    reason = "import.ref_not_found" if found is None else "import.ref_ambiguous"
                    problems.append(Rejection.of(row.number, column, row.values[field], reason))
                values[f"{field}_id"] = found
        return problems

    def _merge(
        self, row: ParsedRow, old: dict[str, Any] | None
    ) -> dict[str, Any] | list[Rejection]:
        """The item's full field values after this row: the old ones overlaid with the file's."""
        values: dict[str, Any] = dict(old) if old else _new_item(self.item_type.id)
        for field in ("sku", "name", "description", "price", "currency", "stock"):
            if field in row.values:
                values[field] = row.values[field]
        for field in ("measure_unit", "status", "tags", "archive_reason", "archived_at"):
            if field in row.values:
                values[field] = row.values[field]
        _archive_consistent(values)
        problems = self._refs(row, values)
        given = attributes_of(row.values)
        merged = {**(old["attributes"] if old else {}), **given}
        checked = check_attributes(self.schema, merged, row)
        if isinstance(checked, list):
            return problems + checked
        values["attributes"] = checked
        return problems or values

    async def process(self, rows: list[ParsedRow], *, write: bool) -> ChunkResult:
        result = ChunkResult()
        keys = list(dict.fromkeys(row.values["sku"] for row in rows))
        existing = await bulk.fetch_by_keys(
            self.session, ITEMS, "sku", keys, (*ITEM_FIELDS, "version", "archived_at")
        )
        inserts: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        changes: list[tuple[Any, ...]] = []
        seen: set[str] = set()
        now = utcnow()
        for row in rows:
            sku = row.values["sku"]
            old = existing.get(sku)
            if sku in seen:
                result.rejected.append(
                    Rejection.of(row.number, row.columns["sku"], sku, "import.key_repeated")
                )
                continue
            seen.add(sku)
            if old is not None and self.options.mode != "upsert":
                if self.options.mode == "skip":
                    result.skipped += 1
                else:
                    result.rejected.append(
                        Rejection.of(row.number, row.columns["sku"], sku, "import.key_exists")
                    )
                continue
            merged = self._merge(row, old)
            if isinstance(merged, list):
                result.rejected.extend(merged)
                continue
            merged["search_text"] = _search(merged)
            if old is None:
                result.created += 1
                created = row.values.get("created_at") or now
                inserts.append(
                    (
                        *(merged[f] for f in ITEM_FIELDS),
                        merged["archived_at"],
                        merged["search_text"],
                        1,
                        created,
                        now,
                    )
                )
                continue
            changed = diff({f: old[f] for f in TRACKED}, {f: merged[f] for f in TRACKED})
            if not changed:
                result.unchanged += 1
                continue
            result.updated += 1
            merged["version"], merged["updated_at"] = old["version"] + 1, now
            updates.append((old["id"], *(merged[f] for f in UPDATE_COLUMNS)))
            changes.extend(change_rows("item", old["id"], changed, self.principal, "import", now))
        if write:
            await bulk.insert_rows(self.session, ITEMS, INSERT_COLUMNS, inserts)
            await bulk.update_rows(self.session, ITEMS, UPDATE_COLUMNS, updates)
            await write_changes(self.session, changes)
        return result


def _new_item(item_type_id: int) -> dict[str, Any]:
    return {
        "item_type_id": item_type_id, "description": "", "category_id": None, "unit_id": None,
        "measure_unit": "шт", "price": Decimal(0), "currency": "RUB", "stock": None,
        "attributes": {}, "tags": [], "status": "active", "archive_reason": None,
        "archived_at": None,
    }  # fmt: skip


def _archive_consistent(values: dict[str, Any]) -> None:
    """As archiving through the API: an archived item has a time, an active one none."""
    if values["status"] == "active":
        values["archived_at"] = values["archive_reason"] = None
    elif values.get("archived_at") is None:
        values["archived_at"] = utcnow()


def _search(values: dict[str, Any]) -> str:
    tags = " ".join(f"#{tag.casefold()}#" for tag in values.get("tags") or [])
    return search_text(values["sku"], values["name"], (values["description"] or "")[:500], tags)
