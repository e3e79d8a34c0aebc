"""Order use cases: create with lines and totals, edit, status transitions, history."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.auth import repository as users_repo
from orderdesk.backends.cache import Cache
from orderdesk.catalog.repository import field_history
from orderdesk.core.attributes import validate_attributes
from orderdesk.core.errors import Conflict, FieldError, Forbidden, NotFound, ValidationFailed
from orderdesk.core.http import check_version
from orderdesk.core.pagination import Page, PageRequest, search_text
from orderdesk.core.permissions import Permission, Principal, Role, ensure
from orderdesk.db.query import write_all
from orderdesk.db.types import utcnow
from orderdesk.orders import events, stock, types_cache
from orderdesk.orders import repository as repo
from orderdesk.orders.messages import ORDER_NOT_FOUND
from orderdesk.orders.models import Order, OrderType
from orderdesk.orders.numbering import period_of, render_number
from orderdesk.orders.repository import ItemRef
from orderdesk.orders.schemas import LineIn, LineUpdate, OrderCreate, OrderUpdate
from orderdesk.orders.totals import MAX_AMOUNT, Totals, compute_totals, line_amount
from orderdesk.orders.workflow import allowed_transitions, find_transition, is_editable
from orderdesk.units import repository as units_repo

TRACKED = (
    "customer_id",
    "unit_id",
    "attributes",
    "note",
    "starts_at",
    "ends_at",
    "subtotal",
    "vat_amount",
    "total",
)


def _snapshot(
    order: Order | dict[str, Any], lines: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    if isinstance(order, dict):
        snap = {field: order[field] for field in TRACKED}
    else:
        snap = {field: getattr(order, field) for field in TRACKED}
    if lines is not None:
        snap["lines"] = [
            f"{line['sku'] or line['name']} × {audit.jsonable(line['quantity'])} @ "
            f"{audit.jsonable(line['unit_price'])}"
            for line in lines
        ]
    return snap


async def get_order(
    *, session: AsyncSession, principal: Principal, order_id: int
) -> dict[str, Any]:
    ensure(principal, Permission.orders_read)
    row = await repo.get_order_row(session, order_id, principal)
    if row is None:
        raise NotFound(ORDER_NOT_FOUND, id=order_id)
    return row


async def list_orders(
    *, session: AsyncSession, principal: Principal, page: PageRequest, **filters: Any
) -> Page:
    ensure(principal, Permission.orders_read)
    return await repo.list_orders(session, principal, page, **filters)


async def _order_type(
    session: AsyncSession, code: str, cache: Cache | None, cache_ttl: float
) -> OrderType:
    order_type = await types_cache.type_by_code(session, code, cache=cache, ttl=cache_ttl)
    if order_type is None or not order_type.active:
        raise ValidationFailed([FieldError("order_type", "not_found")])
    return order_type


async def _resolve_parties(
    session: AsyncSession, principal: Principal, customer_id: int | None, unit_id: int | None
) -> tuple[int | None, int | None]:
    """Customers order for themselves; staff only within their unit."""
    errors = []
    if principal.role is Role.customer:
        if customer_id not in (None, principal.user_id):
            errors.append(FieldError("customer_id", "not_found"))
        customer_id = principal.user_id
    elif customer_id is not None and await users_repo.get_user_row(session, customer_id) is None:
        errors.append(FieldError("customer_id", "not_found"))
    if principal.role is Role.staff:
        if unit_id not in (None, principal.unit_id):
            errors.append(FieldError("unit_id", "not_found"))
        unit_id = principal.unit_id
    elif unit_id is not None and not await units_repo.exists(session, unit_id):
        errors.append(FieldError("unit_id", "not_found"))
    if errors:
        raise ValidationFailed(errors)
    return customer_id, unit_id


async def _check_phone(session: AsyncSession, customer_id: int) -> None:
    """Order types that require a phone (FOK bot) refuse customers without one."""
    row = await users_repo.get_user_row(session, customer_id)
    if row is None or not row.get("phone"):
        raise ValidationFailed([FieldError("customer_id", "phone_required")])


def _check_time_range(
    order_type: OrderType, starts_at: datetime | None, ends_at: datetime | None
) -> None:
    errors = []
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None and value.tzinfo is None:
            errors.append(FieldError(name, "timezone_required"))
        elif value is None and order_type.books_time_range:
            errors.append(FieldError(name, "missing"))
    if not errors and starts_at and ends_at and ends_at <= starts_at:
        errors.append(FieldError("ends_at", "time_range"))
    if errors:
        raise ValidationFailed(errors)


async def _build_lines(
    session: AsyncSession,
    principal: Principal,
    currency: str,
    lines: list[LineIn],
    prefix: str = "lines",
) -> tuple[list[dict[str, Any]], dict[int, ItemRef]]:
    """Snapshot item data into lines and price them; every bad line is reported by index.

    Items are read without a lock: creating an order changes no item. Whatever must not race
    (bookings of an item, stock deduction) takes its own lock.
    """
    items = await repo.get_items(session, [line.item_id for line in lines if line.item_id])
    built, errors = [], []
    for index, line in enumerate(lines):
        path = f"{prefix}.{index}"
        item = items.get(line.item_id) if line.item_id else None
        problem = _line_problem(principal, line, item, currency)
        if problem:
            errors.append(FieldError(f"{path}.{problem[0]}", problem[1]))
            continue
        unit_price = line.unit_price if line.unit_price is not None else item.price  # type: ignore[union-attr]
        amount = line_amount(line.quantity, unit_price, line.coefficient)
        if amount > MAX_AMOUNT:
            errors.append(FieldError(f"{path}.quantity", "amount_too_large"))
            continue
        built.append(
            {
                "position": index,
                "item_id": item.id if item else None,
                "sku": line.sku or (item.sku if item else ""),
                "name": line.name or (item.name if item else ""),
                "measure_unit": line.measure_unit or (item.measure_unit if item else "шт"),
                "quantity": line.quantity,
                "unit_price": unit_price,
                "coefficient": line.coefficient,
                "amount": amount,
            }
        )
    if errors:
        raise ValidationFailed(errors)
    return built, items


def _line_problem(
    principal: Principal, line: LineIn, item: ItemRef | None, currency: str
) -> tuple[str, str] | None:
    if line.item_id is not None and item is None:
        return "item_id", "not_found"
    if principal.role is Role.customer:
        if item is None:
            return "item_id", "missing"
        if line.unit_price is not None or line.coefficient != 1:
            return "unit_price", "customer_price"
    if item is None and (not line.name or line.unit_price is None):
        return "item_id", "line_needs_item_or_name"
    if item is not None:
        if item.status != "active":
            return "item_id", "item_archived"
        if item.currency != currency:
            return "item_id", "currency_mismatch"
    return None


def _totals(order_type: OrderType, lines: list[dict[str, Any]]) -> Totals:
    """Totals of the lines, refused when they would not fit the order's money columns."""
    totals = compute_totals(
        (line["amount"] for line in lines), order_type.vat_rate, order_type.prices_include_vat
    )
    if totals.total > MAX_AMOUNT:
        raise ValidationFailed([FieldError("lines", "amount_too_large")])
    return totals


async def _check_exclusivity(
    session: AsyncSession,
    order_type: OrderType,
    lines: list[dict[str, Any]],
    items: dict[int, ItemRef],
    customer_id: int | None,
    starts_at: datetime | None,
    ends_at: datetime | None,
    exclude_order_id: int | None = None,
) -> None:
    """One active request per customer per item, and no overlapping bookings of an item."""
    terminal = list(order_type.workflow.get("terminal", []))
    item_ids = sorted({line["item_id"] for line in lines if line["item_id"] is not None})
    if order_type.one_active_per_item and customer_id is not None:
        await repo.lock_customer(session, customer_id)
        for item_id in item_ids:
            if await repo.active_orders_with_item(
                session,
                order_type_id=order_type.id,
                item_id=item_id,
                terminal=terminal,
                customer_id=customer_id,
                exclude_order_id=exclude_order_id,
            ):
                raise Conflict("order.one_active", name=items[item_id].name)
    if order_type.books_time_range and starts_at and ends_at:
        await repo.lock_items(session, item_ids)  # two bookings of one item queue here
        for item_id in item_ids:
            if await repo.active_orders_with_item(
                session,
                order_type_id=order_type.id,
                item_id=item_id,
                terminal=terminal,
                overlapping=(starts_at, ends_at),
                exclude_order_id=exclude_order_id,
            ):
                raise Conflict("order.slot_taken", name=items[item_id].name)


async def create_order(
    *,
    session: AsyncSession,
    principal: Principal,
    data: OrderCreate,
    cache: Cache | None = None,
    cache_ttl: float = 60.0,
) -> dict[str, Any]:
    """Create an order: parties checked, lines priced, totals computed, number assigned."""
    ensure(principal, Permission.orders_create)
    order_type = await _order_type(session, data.order_type, cache, cache_ttl)
    customer_id, unit_id = await _resolve_parties(
        session, principal, data.customer_id, data.unit_id
    )
    if order_type.requires_phone and customer_id is not None:
        await _check_phone(session, customer_id)
    attributes = validate_attributes(order_type.attribute_schema, data.attributes)
    _check_time_range(order_type, data.starts_at, data.ends_at)
    lines, items = await _build_lines(session, principal, order_type.currency, data.lines)
    if unit_id is None:
        units = {items[line["item_id"]].unit_id for line in lines if line["item_id"]}
        unit_id = units.pop() if len(units) == 1 else None
    stock.ensure_available(stock.quantities(lines), items)
    await _check_exclusivity(
        session, order_type, lines, items, customer_id, data.starts_at, data.ends_at
    )
    if data.external_ref and await repo.external_ref_taken(
        session, data.external_source, data.external_ref
    ):
        raise Conflict("order.external_ref_taken", ref=data.external_ref)
    totals = _totals(order_type, lines)
    now = utcnow()
    order = await repo.insert_order(
        session,
        {
            "order_type_id": order_type.id,
            "number": f"~{secrets.token_hex(12)}",  # the real number is taken last, see below
            "status": order_type.workflow["initial"],
            "customer_id": customer_id,
            "unit_id": unit_id,
            "channel": data.channel,
            "external_source": data.external_source,
            "external_ref": data.external_ref,
            "currency": order_type.currency,
            "subtotal": totals.subtotal,
            "vat_amount": totals.vat_amount,
            "total": totals.total,
            "attributes": attributes,
            "note": data.note,
            "starts_at": data.starts_at,
            "ends_at": data.ends_at,
            "created_by_id": principal.user_id,
            "created_at": now,
            "updated_at": now,
        },
    )
    order["lines"] = await repo.insert_lines_returning(session, order["id"], lines)
    # The per-type counter row is a lock every creation of this type queues on: take it last,
    # and send every write that follows in one round trip, so it is held the shortest time.
    seq = await repo.next_number(session, order_type.id, period_of(order_type.number_format, now))
    order["number"] = render_number(order_type.number_format, seq, now)
    search = search_text(order["number"], data.external_ref, data.note[:300], _line_names(lines))
    await write_all(
        session,
        [
            repo.set_number(order["id"], order["number"], search),
            repo.event(
                order_id=order["id"],
                kind="created",
                to_status=order["status"],
                actor_id=principal.user_id,
                at=now,
            ),
            events.order_event_write(session, order, events.CREATED, principal),
            audit.entry(
                action="order.create",
                actor=principal,
                entity_type="order",
                entity_id=order["id"],
                after={"number": order["number"], **_snapshot(order, lines)},
            ),
        ],
    )
    return order


def _line_names(lines: list[dict[str, Any]]) -> str:
    return " ".join(str(line["name"]) for line in lines[:20])


def order_search_text(order: Order, lines: list[dict[str, Any]]) -> str:
    return search_text(order.number, order.external_ref, order.note[:300], _line_names(lines))


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
    totals = _totals(order_type, lines)
    order.subtotal, order.vat_amount, order.total = totals.subtotal, totals.vat_amount, totals.total
    after = _snapshot(order, lines)
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
    before = _snapshot(order, current)
    values = data.model_dump(exclude_unset=True, exclude={"lines", "attributes"})
    if "customer_id" in values or "unit_id" in values:
        customer_id, unit_id = await _resolve_parties(
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
    _check_time_range(
        order_type, values.get("starts_at", order.starts_at), values.get("ends_at", order.ends_at)
    )
    for field, value in values.items():
        if value is not None or field in ("customer_id", "unit_id"):
            setattr(order, field, value)
    lines = current
    if data.lines is not None:
        lines, items = await _build_lines(session, principal, order.currency, data.lines)
        await repo.delete_lines(session, order.id)
        await repo.insert_lines(session, order.id, lines)
    elif order_type.books_time_range or order_type.one_active_per_item:
        items = await repo.get_items(session, [ln["item_id"] for ln in lines if ln["item_id"]])
    else:
        items = {}
    if order_type.books_time_range or order_type.one_active_per_item:
        await _check_exclusivity(
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
    before = _snapshot(order, current)
    built, _ = await _build_lines(session, principal, order.currency, [data], prefix="line")
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
    before = _snapshot(order, current)
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
    before = _snapshot(order, current)
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
    before = {"number": order.number, **_snapshot(order, await repo.get_lines(session, order.id))}
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


async def available_transitions(
    *, session: AsyncSession, principal: Principal, order_id: int
) -> list[dict[str, Any]]:
    """The transitions this principal may take from the order's current status."""
    ensure(principal, Permission.orders_read)
    row = await repo.get_order_row(session, order_id, principal, with_lines=False)
    if row is None:
        raise NotFound(ORDER_NOT_FOUND, id=order_id)
    order_type = await repo.get_type(session, row["order_type_id"])
    assert order_type is not None
    return [
        {
            "to": tr["to"],
            "label": tr.get("label"),
            "require_comment": tr.get("require_comment", False),
        }
        for tr in allowed_transitions(order_type.workflow, row["status"], principal)
    ]


async def transition(
    *,
    session: AsyncSession,
    principal: Principal,
    order_id: int,
    to: str,
    comment: str = "",
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Move an order along its workflow; of two concurrent moves from one status, one wins."""
    ensure(principal, Permission.orders_read)
    order = await repo.get_order(session, order_id, principal)
    if order is None:
        raise NotFound(ORDER_NOT_FOUND, id=order_id)
    check_version(order.version, expected_version)
    order_type = await repo.get_type(session, order.order_type_id)
    assert order_type is not None
    from_status = order.status
    rule = find_transition(order_type.workflow, from_status, to)
    if rule is None:
        raise Conflict("order.transition_not_allowed", from_status=from_status, to=to)
    if principal.role.value not in rule["roles"]:
        raise Forbidden(
            "order.transition_role", role=principal.role.value, from_status=from_status, to=to
        )
    if rule.get("require_comment") and not comment:
        raise ValidationFailed([FieldError("comment", "comment_required")])
    if not await repo.compare_and_set_status(
        session, order.id, from_status=from_status, to_status=to, version=order.version
    ):
        status = await repo.current_status(session, order.id)
        raise Conflict("order.status_changed", status=status)
    await _stock_effect(session, order, rule.get("stock"))
    events.order_event(
        session,
        order,
        events.STATUS_CHANGED,
        principal,
        status=to,
        version=order.version + 1,  # what the compare-and-set wrote
        comment=comment[:500],  # the customer's notification quotes it (e.g. a rejection)
        **{"from": from_status, "to": to},
    )
    await repo.add_event(
        session,
        order_id=order.id,
        kind="status_changed",
        from_status=from_status,
        to_status=to,
        actor_id=principal.user_id,
        comment=comment,
    )
    await audit.record(
        session,
        action="order.transition",
        actor=principal,
        entity_type="order",
        entity_id=order.id,
        before={"status": from_status},
        after={"status": to},
        detail=comment,
    )
    session.expunge(order)
    return await get_order(session=session, principal=principal, order_id=order.id)


async def _stock_effect(session: AsyncSession, order: Order, effect: str | None) -> None:
    """Deduct once, return only what was deducted; the order remembers which applies."""
    take = effect == "deduct" and not order.stock_deducted
    give = effect == "return" and order.stock_deducted
    if take or give:
        needed = stock.quantities(await repo.get_lines(session, order.id))
        await stock.move(session, needed, sign=-1 if take else +1)
        await repo.set_stock_deducted(session, order.id, take)


async def order_history(
    *, session: AsyncSession, principal: Principal, order_id: int
) -> dict[str, Any]:
    await get_order(session=session, principal=principal, order_id=order_id)
    return {
        "events": await repo.events(session, order_id),
        "changes": await field_history(session, "order", order_id),
    }
