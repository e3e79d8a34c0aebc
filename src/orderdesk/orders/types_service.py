"""Order type use cases: numbering formats, attribute schemas and workflows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.backends.cache import Cache
from orderdesk.core.attributes import check_schema
from orderdesk.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from orderdesk.core.http import check_version
from orderdesk.core.pagination import Page, PageRequest
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.orders import repository as repo
from orderdesk.orders import types_cache
from orderdesk.orders.models import OrderType
from orderdesk.orders.numbering import check_number_format
from orderdesk.orders.schemas import OrderTypeCreate, OrderTypeUpdate
from orderdesk.orders.workflow import check_workflow

SNAPSHOT = (
    "name",
    "number_format",
    "attribute_schema",
    "workflow",
    "books_time_range",
    "one_active_per_item",
    "requires_phone",
    "vat_rate",
    "prices_include_vat",
    "active",
)


def _snapshot(order_type: OrderType) -> dict[str, Any]:
    return {field: getattr(order_type, field) for field in SNAPSHOT}


async def create_order_type(
    *, session: AsyncSession, principal: Principal, data: OrderTypeCreate
) -> dict[str, Any]:
    ensure(principal, Permission.order_types_manage)
    if await repo.get_type_by_code(session, data.code) is not None:
        raise ValidationFailed([FieldError("code", "taken")])
    check_number_format(data.number_format)
    values = data.model_dump(exclude={"name", "workflow", "attribute_schema"})
    order_type = OrderType(
        **values,
        name=data.name.model_dump(),
        workflow=check_workflow(data.workflow),
        attribute_schema=check_schema(data.attribute_schema),
    )
    session.add(order_type)
    await session.flush()
    await audit.record(
        session,
        action="order_type.create",
        actor=principal,
        entity_type="order_type",
        entity_id=order_type.id,
        after=_snapshot(order_type),
    )
    return await get_order_type(session=session, principal=principal, type_id=order_type.id)


async def get_order_type(
    *, session: AsyncSession, principal: Principal, type_id: int
) -> dict[str, Any]:
    """Every signed-in user may read order types (clients need the workflow labels)."""
    row = await repo.get_type_row(session, type_id)
    if row is None:
        raise NotFound("order_type.not_found", id=type_id)
    return row


async def list_order_types(
    *, session: AsyncSession, principal: Principal, page: PageRequest, active: bool | None
) -> Page:
    return await repo.list_types(session, page, active=active)


async def update_order_type(
    *,
    session: AsyncSession,
    principal: Principal,
    type_id: int,
    data: OrderTypeUpdate,
    expected_version: int | None,
    cache: Cache,
) -> dict[str, Any]:
    """Change an order type; a workflow may not drop statuses that orders are in."""
    ensure(principal, Permission.order_types_manage)
    order_type = await repo.get_type(session, type_id)
    if order_type is None:
        raise NotFound("order_type.not_found", id=type_id)
    check_version(order_type.version, expected_version)
    values = data.model_dump(exclude_unset=True, exclude={"name", "workflow", "attribute_schema"})
    values = {k: v for k, v in values.items() if v is not None}
    if "number_format" in values:
        check_number_format(values["number_format"])
    if data.name is not None:
        values["name"] = data.name.model_dump()
    if data.attribute_schema is not None:
        values["attribute_schema"] = check_schema(data.attribute_schema)
    if data.workflow is not None:
        workflow = check_workflow(data.workflow)
        kept = {s["code"] for s in workflow["statuses"]}
        removed = sorted(await repo.statuses_in_use(session, type_id) - kept)
        if removed:
            raise Conflict("order_type.status_in_use", status=", ".join(removed))
        values["workflow"] = workflow
    before = _snapshot(order_type)
    for field, value in values.items():
        setattr(order_type, field, value)
    if audit.diff(before, _snapshot(order_type)):
        order_type.version += 1
        await audit.record(
            session,
            action="order_type.update",
            actor=principal,
            entity_type="order_type",
            entity_id=type_id,
            before=before,
            after=_snapshot(order_type),
        )
    await session.flush()
    await types_cache.invalidate(session, cache)
    return await get_order_type(session=session, principal=principal, type_id=type_id)


async def delete_order_type(
    *, session: AsyncSession, principal: Principal, type_id: int, cache: Cache
) -> None:
    """Delete an order type no order uses."""
    ensure(principal, Permission.order_types_manage)
    order_type = await repo.get_type(session, type_id)
    if order_type is None:
        raise NotFound("order_type.not_found", id=type_id)
    if await repo.count_orders_of_type(session, type_id):
        raise Conflict("order_type.in_use")
    await session.delete(order_type)
    await types_cache.invalidate(session, cache)
    await audit.record(
        session,
        action="order_type.delete",
        actor=principal,
        entity_type="order_type",
        entity_id=type_id,
        before={"code": order_type.code},
    )
