"""Catalog use cases: item types, categories, items with archive and restore."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.catalog import events
from orderdesk.catalog import repository as repo
from orderdesk.catalog.messages import ITEM_NOT_FOUND
from orderdesk.catalog.models import Category, Item, ItemType
from orderdesk.catalog.schemas import (
    CategoryCreate,
    CategoryUpdate,
    ItemCreate,
    ItemTypeCreate,
    ItemTypeUpdate,
    ItemUpdate,
)
from orderdesk.core.attributes import check_schema, validate_attributes
from orderdesk.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from orderdesk.core.http import check_version
from orderdesk.core.pagination import Page, PageRequest, search_text
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.db.types import utcnow
from orderdesk.units import repository as units_repo

ITEM_FIELDS = (
    "item_type_id",
    "sku",
    "name",
    "description",
    "category_id",
    "unit_id",
    "measure_unit",
    "price",
    "currency",
    "stock",
    "attributes",
    "tags",
    "status",
    "archive_reason",
)


def item_snapshot(item: Item) -> dict[str, Any]:
    return {field: getattr(item, field) for field in ITEM_FIELDS}


def item_search_text(item: Item) -> str:
    tags = " ".join(f"#{tag.casefold()}#" for tag in item.tags or [])
    return search_text(item.sku, item.name, (item.description or "")[:500], tags)


# ---- item types ---------------------------------------------------------------------------


async def create_item_type(
    *, session: AsyncSession, principal: Principal, data: ItemTypeCreate
) -> dict[str, Any]:
    ensure(principal, Permission.catalog_manage)
    if await repo.type_code_taken(session, data.code):
        raise ValidationFailed([FieldError("code", "taken")])
    item_type = ItemType(
        code=data.code,
        name=data.name.model_dump(),
        attribute_schema=check_schema(data.attribute_schema),
        active=data.active,
    )
    session.add(item_type)
    await session.flush()
    events.catalog_event(session, "item_type.create", item_type.id, principal, code=data.code)
    await audit.record(
        session,
        action="item_type.create",
        actor=principal,
        entity_type="item_type",
        entity_id=item_type.id,
        after={"code": data.code, "schema": item_type.attribute_schema},
    )
    return await get_item_type(session=session, principal=principal, type_id=item_type.id)


async def get_item_type(
    *, session: AsyncSession, principal: Principal, type_id: int
) -> dict[str, Any]:
    ensure(principal, Permission.catalog_read)
    row = await repo.get_type_row(session, type_id)
    if row is None:
        raise NotFound("item_type.not_found", id=type_id)
    return row


async def list_item_types(
    *, session: AsyncSession, principal: Principal, page: PageRequest, active: bool | None
) -> Page:
    ensure(principal, Permission.catalog_read)
    return await repo.list_types(session, page, active=active)


async def update_item_type(
    *,
    session: AsyncSession,
    principal: Principal,
    type_id: int,
    data: ItemTypeUpdate,
    expected_version: int | None,
) -> dict[str, Any]:
    """Rename or change the schema; existing items are validated again on their next write."""
    ensure(principal, Permission.catalog_manage)
    item_type = await repo.get_type(session, type_id)
    if item_type is None:
        raise NotFound("item_type.not_found", id=type_id)
    check_version(item_type.version, expected_version)
    before = {
        "name": item_type.name,
        "schema": item_type.attribute_schema,
        "active": item_type.active,
    }
    if data.name is not None:
        item_type.name = data.name.model_dump()
    if data.attribute_schema is not None:
        item_type.attribute_schema = check_schema(data.attribute_schema)
    if data.active is not None:
        item_type.active = data.active
    after = {
        "name": item_type.name,
        "schema": item_type.attribute_schema,
        "active": item_type.active,
    }
    if audit.diff(before, after):
        item_type.version += 1
        events.catalog_event(
            session, "item_type.update", type_id, principal, version=item_type.version
        )
        await audit.record(
            session,
            action="item_type.update",
            actor=principal,
            entity_type="item_type",
            entity_id=type_id,
            before=before,
            after=after,
        )
    await session.flush()
    return await get_item_type(session=session, principal=principal, type_id=type_id)


async def delete_item_type(*, session: AsyncSession, principal: Principal, type_id: int) -> None:
    ensure(principal, Permission.catalog_manage)
    item_type = await repo.get_type(session, type_id)
    if item_type is None:
        raise NotFound("item_type.not_found", id=type_id)
    if await repo.count_items_of_type(session, type_id):
        raise Conflict("item_type.in_use")
    await session.delete(item_type)
    events.catalog_event(session, "item_type.delete", type_id, principal)
    await audit.record(
        session,
        action="item_type.delete",
        actor=principal,
        entity_type="item_type",
        entity_id=type_id,
        before={"code": item_type.code},
    )


# ---- categories ---------------------------------------------------------------------------


async def _check_parent(
    session: AsyncSession, category_id: int | None, parent_id: int | None
) -> None:
    if parent_id is None:
        return
    parents = await repo.category_parent_ids(session)
    if parent_id not in parents:
        raise ValidationFailed([FieldError("parent_id", "not_found")])
    node: int | None = parent_id
    for _ in range(len(parents) + 1):
        if node is None:
            return
        if node == category_id:
            raise ValidationFailed([FieldError("parent_id", "category_cycle")])
        node = parents.get(node)


async def create_category(
    *, session: AsyncSession, principal: Principal, data: CategoryCreate
) -> dict[str, Any]:
    ensure(principal, Permission.catalog_manage)
    await _check_parent(session, None, data.parent_id)
    if await repo.category_name_taken(session, data.name, data.parent_id):
        raise ValidationFailed([FieldError("name", "taken")])
    category = Category(**data.model_dump())
    session.add(category)
    await session.flush()
    events.catalog_event(session, "category.create", category.id, principal)
    await audit.record(
        session,
        action="category.create",
        actor=principal,
        entity_type="category",
        entity_id=category.id,
        after=data.model_dump(),
    )
    return await get_category(session=session, principal=principal, category_id=category.id)


async def get_category(
    *, session: AsyncSession, principal: Principal, category_id: int
) -> dict[str, Any]:
    ensure(principal, Permission.catalog_read)
    row = await repo.get_category_row(session, category_id)
    if row is None:
        raise NotFound("category.not_found", id=category_id)
    return row


async def list_categories(
    *, session: AsyncSession, principal: Principal, page: PageRequest, parent_id: int | None
) -> Page:
    ensure(principal, Permission.catalog_read)
    return await repo.list_categories(session, page, parent_id=parent_id)


async def update_category(
    *,
    session: AsyncSession,
    principal: Principal,
    category_id: int,
    data: CategoryUpdate,
    expected_version: int | None,
) -> dict[str, Any]:
    ensure(principal, Permission.catalog_manage)
    category = await repo.get_category(session, category_id)
    if category is None:
        raise NotFound("category.not_found", id=category_id)
    check_version(category.version, expected_version)
    values = data.model_dump(exclude_unset=True)
    if "parent_id" in values:
        await _check_parent(session, category_id, values["parent_id"])
    name = values.get("name") or category.name
    parent = values.get("parent_id", category.parent_id)
    if await repo.category_name_taken(session, name, parent, category_id):
        raise ValidationFailed([FieldError("name", "taken")])
    before = {"name": category.name, "parent_id": category.parent_id, "position": category.position}
    for field, value in values.items():
        if value is not None or field == "parent_id":
            setattr(category, field, value)
    after = {"name": category.name, "parent_id": category.parent_id, "position": category.position}
    if audit.diff(before, after):
        category.version += 1
        events.catalog_event(
            session, "category.update", category_id, principal, version=category.version
        )
        await audit.record(
            session,
            action="category.update",
            actor=principal,
            entity_type="category",
            entity_id=category_id,
            before=before,
            after=after,
        )
    await session.flush()
    return await get_category(session=session, principal=principal, category_id=category_id)


async def delete_category(*, session: AsyncSession, principal: Principal, category_id: int) -> None:
    """Delete an empty-of-children category; its items keep existing without a category."""
    ensure(principal, Permission.catalog_manage)
    category = await repo.get_category(session, category_id)
    if category is None:
        raise NotFound("category.not_found", id=category_id)
    if await repo.category_has_children(session, category_id):
        raise Conflict("category.has_children")
    await session.delete(category)
    events.catalog_event(session, "category.delete", category_id, principal)
    await audit.record(
        session,
        action="category.delete",
        actor=principal,
        entity_type="category",
        entity_id=category_id,
        before={"name": category.name},
    )


# ---- items --------------------------------------------------------------------------------


async def _item_type_for(session: AsyncSession, type_id: int) -> ItemType:
    item_type = await repo.get_type(session, type_id)
    if item_type is None or not item_type.active:
        raise ValidationFailed([FieldError("item_type_id", "not_found")])
    return item_type


async def _check_refs(
    session: AsyncSession, values: dict[str, Any], exclude_id: int | None
) -> None:
    errors = []
    if values.get("sku") is not None and await repo.sku_taken(session, values["sku"], exclude_id):
        errors.append(FieldError("sku", "taken"))
    category_id = values.get("category_id")
    if category_id is not None and await repo.get_category(session, category_id) is None:
        errors.append(FieldError("category_id", "not_found"))
    unit_id = values.get("unit_id")
    if unit_id is not None and not await units_repo.exists(session, unit_id):
        errors.append(FieldError("unit_id", "not_found"))
    if errors:
        raise ValidationFailed(errors)


async def create_item(
    *, session: AsyncSession, principal: Principal, data: ItemCreate
) -> dict[str, Any]:
    """Create an item whose attributes satisfy its type's schema."""
    ensure(principal, Permission.catalog_manage)
    item_type = await _item_type_for(session, data.item_type_id)
    values = data.model_dump()
    values["attributes"] = validate_attributes(item_type.attribute_schema, data.attributes)
    await _check_refs(session, values, None)
    item = Item(**values)
    item.search_text = item_search_text(item)
    session.add(item)
    await session.flush()
    events.item_event(session, "item.create", item, principal)
    await audit.record(
        session,
        action="item.create",
        actor=principal,
        entity_type="item",
        entity_id=item.id,
        after=item_snapshot(item),
    )
    return await get_item(session=session, principal=principal, item_id=item.id)


async def get_item(*, session: AsyncSession, principal: Principal, item_id: int) -> dict[str, Any]:
    ensure(principal, Permission.catalog_read)
    row = await repo.get_item_row(session, item_id, principal)
    if row is None:
        raise NotFound(ITEM_NOT_FOUND, id=item_id)
    return row


async def list_items(
    *, session: AsyncSession, principal: Principal, page: PageRequest, **filters: Any
) -> Page:
    ensure(principal, Permission.catalog_read)
    return await repo.list_items(session, principal, page, **filters)


async def _load_for_write(
    session: AsyncSession, principal: Principal, item_id: int, expected_version: int | None
) -> Item:
    ensure(principal, Permission.catalog_manage)
    item = await repo.get_item(session, item_id, principal)
    if item is None:
        raise NotFound(ITEM_NOT_FOUND, id=item_id)
    check_version(item.version, expected_version)
    return item


async def _save_changes(
    session: AsyncSession,
    principal: Principal,
    item: Item,
    before: dict[str, Any],
    action: str,
    source: str = "api",
) -> dict[str, Any]:
    after = item_snapshot(item)
    changes = audit.diff(before, after)
    if changes:
        item.version += 1
        item.updated_at = utcnow()
        item.search_text = item_search_text(item)
        events.item_event(session, action, item, principal)
        await audit.record(
            session,
            action=action,
            actor=principal,
            entity_type="item",
            entity_id=item.id,
            before=before,
            after=after,
        )
        await audit.record_field_changes(
            session,
            entity_type="item",
            entity_id=item.id,
            changes=changes,
            actor=principal,
            source=source,
        )
    await session.flush()
    return await get_item(session=session, principal=principal, item_id=item.id)


async def update_item(
    *,
    session: AsyncSession,
    principal: Principal,
    item_id: int,
    data: ItemUpdate,
    expected_version: int | None,
) -> dict[str, Any]:
    """Change fields of an item; attributes are merged and validated against the type."""
    item = await _load_for_write(session, principal, item_id, expected_version)
    values = data.model_dump(exclude_unset=True)
    nullable = {"category_id", "unit_id", "stock"}
    values = {k: v for k, v in values.items() if v is not None or k in nullable}
    await _check_refs(session, values, item.id)
    if "attributes" in values:
        item_type = await _item_type_for(session, item.item_type_id)
        merged = {**item.attributes, **values["attributes"]}
        values["attributes"] = validate_attributes(
            item_type.attribute_schema, {k: v for k, v in merged.items() if v is not None}
        )
    before = item_snapshot(item)
    for field, value in values.items():
        setattr(item, field, value)
    return await _save_changes(session, principal, item, before, "item.update")


async def archive_item(
    *,
    session: AsyncSession,
    principal: Principal,
    item_id: int,
    reason: str,
    expected_version: int | None,
) -> dict[str, Any]:
    item = await _load_for_write(session, principal, item_id, expected_version)
    if item.status == "archived":
        raise Conflict("item.already_archived")
    before = item_snapshot(item)
    item.status, item.archived_at, item.archive_reason = "archived", utcnow(), reason
    return await _save_changes(session, principal, item, before, "item.archive")


async def restore_item(
    *, session: AsyncSession, principal: Principal, item_id: int, expected_version: int | None
) -> dict[str, Any]:
    item = await _load_for_write(session, principal, item_id, expected_version)
    if item.status != "archived":
        raise Conflict("item.not_archived")
    before = item_snapshot(item)
    item.status, item.archived_at, item.archive_reason = "active", None, None
    return await _save_changes(session, principal, item, before, "item.restore")


async def delete_item(
    *, session: AsyncSession, principal: Principal, item_id: int, expected_version: int | None
) -> None:
    """Delete an item for good; order lines keep their snapshot of it."""
    item = await _load_for_write(session, principal, item_id, expected_version)
    before = item_snapshot(item)
    await session.execute(delete(Item).where(Item.id == item.id))
    events.item_event(session, "item.delete", item, principal)
    await audit.record(
        session,
        action="item.delete",
        actor=principal,
        entity_type="item",
        entity_id=item_id,
        before=before,
    )


async def item_history(
    *, session: AsyncSession, principal: Principal, item_id: int
) -> list[dict[str, Any]]:
    await get_item(session=session, principal=principal, item_id=item_id)
    return await repo.field_history(session, "item", item_id)
