"""Rules an order is checked against on creation and edits: parties, lines, totals, times."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.auth import repository as users_repo
from orderdesk.backends.cache import Cache
from orderdesk.core.errors import Conflict, FieldError, ValidationFailed
from orderdesk.core.pagination import search_text
from orderdesk.core.permissions import Principal, Role
from orderdesk.orders import repository as repo
from orderdesk.orders import types_cache
from orderdesk.orders.models import Order, OrderType
from orderdesk.orders.repository import ItemRef
from orderdesk.orders.schemas import LineIn
from orderdesk.orders.totals import MAX_AMOUNT, Totals, compute_totals, line_amount
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


def snapshot(
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


async def order_type_of(
    session: AsyncSession, code: str, cache: Cache | None, cache_ttl: float
) -> OrderType:
    order_type = await types_cache.type_by_code(session, code, cache=cache, ttl=cache_ttl)
    if order_type is None or not order_type.active:
        raise ValidationFailed([FieldError("order_type", "not_found")])
    return order_type


async def resolve_parties(
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


async def check_phone(session: AsyncSession, customer_id: int) -> None:
    """Order types that require a phone (FOK bot) refuse customers without one."""
    row = await users_repo.get_user_row(session, customer_id)
    if row is None or not row.get("phone"):
        raise ValidationFailed([FieldError("customer_id", "phone_required")])


def check_time_range(
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


async def build_lines(
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


def totals_of(order_type: OrderType, lines: list[dict[str, Any]]) -> Totals:
    """Totals of the lines, refused when they would not fit the order's money columns."""
    totals = compute_totals(
        (line["amount"] for line in lines), order_type.vat_rate, order_type.prices_include_vat
    )
    if totals.total > MAX_AMOUNT:
        raise ValidationFailed([FieldError("lines", "amount_too_large")])
    return totals


async def check_exclusivity(
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


def line_names(lines: list[dict[str, Any]]) -> str:
    return " ".join(str(line["name"]) for line in lines[:20])


def order_search_text(order: Order, lines: list[dict[str, Any]]) -> str:
    return search_text(order.number, order.external_ref, order.note[:300], line_names(lines))
