"""Edit an order: fields, lines, deletion — only in an editable status, with field history."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.core.attributes import validate_attributes
from orderdesk.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from orderdesk.core.http import check_version
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.db.types import utcnow
from orderdesk.orders import events, stock
from orderdesk.orders import repository as repo
from orderdesk.orders.messages import ORDER_NOT_FOUND
from orderdesk.orders.models import Order, OrderType
from orderdesk.orders.schemas import LineIn, LineUpdate, OrderUpdate
from orderdesk.orders.service.checks import (
    build_lines,
    check_exclusivity,
    check_time_range,
    order_search_text,
    resolve_parties,
    snapshot,
    totals_of,
)
from orderdesk.orders.service.read import get_order
from orderdesk.orders.totals import MAX_AMOUNT, line_amount
from orderdesk.orders.workflow import is_editable


async def _load_editable(
    session: AsyncSession, principal: Principal, order_id: int, expected_version: int | None
) -> tuple[Order, OrderType]:
    ensure(principal, Permission.orders_update)
    order = await repo.get_order(session, order_id, principal)
    if order is None:
        raise NotFound(ORDER_NOT_FOUND, id=order_id)
    check_version(order.version, expected_version)
    order_type = await repo.get_type(session, order.order_type_id)
    assert order_type is not None
    if not is_editable(order_type.workflow, order.status):
        raise Conflict("order.not_editable", status=order.status)
    return order, order_type


async def _finish_edit(
    session: AsyncSession,
    principal: Principal,
    order: Order,
    order_type: OrderType,
    before: dict[str, Any],
    lines: list[dict[str, Any]],
    old_lines: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Keep stock right, recompute totals, bump the version, record changes field by field."""
    if old_lines is not None:
        await stock.after_edit(session, deducted=order.stock_deducted, old=old_lines, new=lines)
    totals = totals_of(order_type, lines)
    order.subtotal, order.vat_amount, order.total = totals.subtotal, totals.vat_amount, totals.total
    after = snapshot(order, lines)
    changes = audit.diff(before, after)
    if changes:
        order.version += 1
        order.updated_at = utcnow()
        order.search_text = order_search_text(order, lines)
        await repo.add_event(session, order_id=order.id, kind="updated", actor_id=principal.user_id)
        events.order_event(
            session,
            order,
            events.UPDATED,
            principal,
            fields=sorted(changes),
            lines_changed="lines" in changes,
        )
        await audit.record(
            session,
            action="order.update",
            actor=principal,
            entity_type="order",
            entity_id=order.id,
            before=before,
            after=after,
        )
        await audit.record_field_changes(
            session, entity_type="order", entity_id=order.id, changes=changes, actor=principal
        )
    await session.flush()
    return await get_order(session=session, principal=principal, order_id=order.id)


async def update_order(
    *,
    session: AsyncSession,
    principal: Principal,
    order_id: int,
    data: OrderUpdate,
    expected_version: int | None,
) -> dict[str, Any]:
    """Edit fields and (optionally) replace all lines while the workflow allows edits."""
    order, order_type = await _load_editable(session, principal, order_id, expected_version)
    current = await repo.get_lines(session, order.id)
    before = snapshot(order, current)
    values = data.model_dump(exclude_unset=True, exclude={"lines", "attributes"})
    if "customer_id" in values or "unit_id" in values:
        customer_id, unit_id = await resolve_parties(
            session,
            principal,
            values.get("customer_id", order.customer_id),
            values.get("unit_id", order.unit_id),
        )
        values["customer_id"], values["unit_id"] = customer_id, unit_id
    if data.attributes is not None:
        merged = {**order.attributes, **data.attributes}
        order.attributes = validate_attributes(
            order_type.attribute_schema, {k: v for k, v in merged.items() if v is not None}
        )
    check_time_range(
        order_type, values.get("starts_at", order.starts_at), values.get("ends_at", order.ends_at)
    )
    for field, value in values.items():
        if value is not None or field in ("customer_id", "unit_id"):
            setattr(order, field, value)
    lines = current
    if data.lines is not None:
        lines, items = await build_lines(session, principal, order.currency, data.lines)
        await repo.delete_lines(session, order.id)
        await repo.insert_lines(session, order.id, lines)
    elif order_type.books_time_range or order_type.one_active_per_item:
        items = await repo.get_items(session, [ln["item_id"] for ln in lines if ln["item_id"]])
    else:
        items = {}
    if order_type.books_time_range or order_type.one_active_per_item:
        await check_exclusivity(
            session,
            order_type,
            lines,
            items,
            order.customer_id,
            order.starts_at,
            order.ends_at,
            exclude_order_id=order.id,
        )
    changed_lines = current if data.lines is not None else None
    return await _finish_edit(session, principal, order, order_type, before, lines, changed_lines)


async def add_line(
    *,
    session: AsyncSession,
    principal: Principal,
    order_id: int,
    data: LineIn,
    expected_version: int | None,
) -> dict[str, Any]:
    order, order_type = await _load_editable(session, principal, order_id, expected_version)
    current = await repo.get_lines(session, order.id)
    before = snapshot(order, current)
    built, _ = await build_lines(session, principal, order.currency, [data], prefix="line")
    built[0]["position"] = max((line["position"] for line in current), default=-1) + 1
    await repo.insert_lines(session, order.id, built)
    return await _finish_edit(
        session, principal, order, order_type, before, current + built, current
    )


async def update_line(
    *,
    session: AsyncSession,
    principal: Principal,
    order_id: int,
    line_id: int,
    data: LineUpdate,
    expected_version: int | None,
) -> dict[str, Any]:
    order, order_type = await _load_editable(session, principal, order_id, expected_version)
    current = await repo.get_lines(session, order.id)
    before = snapshot(order, current)
    line_objects = {line.id: line for line in await repo.get_line_objects(session, order.id)}
    line = line_objects.get(line_id)
    if line is None:
        raise NotFound("order.line_not_found", id=line_id)
    for field, value in data.model_dump(exclude_unset=True).items():
        if value is not None:
            setattr(line, field, value)
    line.amount = line_amount(line.quantity, line.unit_price, line.coefficient)
    if line.amount > MAX_AMOUNT:
        raise ValidationFailed([FieldError("quantity", "amount_too_large")])
    await session.flush()
    lines = await repo.get_lines(session, order.id)
    return await _finish_edit(session, principal, order, order_type, before, lines, current)


async def delete_line(
    *,
    session: AsyncSession,
    principal: Principal,
    order_id: int,
    line_id: int,
    expected_version: int | None,
) -> dict[str, Any]:
    order, order_type = await _load_editable(session, principal, order_id, expected_version)
    current = await repo.get_lines(session, order.id)
    before = snapshot(order, current)
    line_objects = {line.id: line for line in await repo.get_line_objects(session, order.id)}
    if line_id not in line_objects:
        raise NotFound("order.line_not_found", id=line_id)
    await session.delete(line_objects[line_id])
    await session.flush()
    lines = await repo.get_lines(session, order.id)
    return await _finish_edit(session, principal, order, order_type, before, lines, current)


async def delete_order(
    *, session: AsyncSession, principal: Principal, order_id: int, expected_version: int | None
) -> None:
    ensure(principal, Permission.orders_delete)
    order = await repo.get_order(session, order_id, principal)
    if order is None:
        raise NotFound(ORDER_NOT_FOUND, id=order_id)
    check_version(order.version, expected_version)
    before = {"number": order.number, **snapshot(order, await repo.get_lines(session, order.id))}
    events.order_event(session, order, events.DELETED, principal)
    await session.delete(order)
    await audit.record(
        session,
        action="order.delete",
        actor=principal,
        entity_type="order",
        entity_id=order_id,
        before=before,
    )
