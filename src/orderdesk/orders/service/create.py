"""Create an order: parties checked, lines priced, totals computed, number assigned."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.backends.cache import Cache
from orderdesk.core.attributes import validate_attributes
from orderdesk.core.errors import Conflict
from orderdesk.core.pagination import search_text
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.db.query import write_all
from orderdesk.db.types import utcnow
from orderdesk.orders import events, stock
from orderdesk.orders import repository as repo
from orderdesk.orders.numbering import period_of, render_number
from orderdesk.orders.schemas import OrderCreate
from orderdesk.orders.service.checks import (
    build_lines,
    check_exclusivity,
    check_phone,
    check_time_range,
    line_names,
    order_type_of,
    resolve_parties,
    snapshot,
    totals_of,
)


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
    order_type = await order_type_of(session, data.order_type, cache, cache_ttl)
    customer_id, unit_id = await resolve_parties(session, principal, data.customer_id, data.unit_id)
    if order_type.requires_phone and customer_id is not None:
        await check_phone(session, customer_id)
    attributes = validate_attributes(order_type.attribute_schema, data.attributes)
    check_time_range(order_type, data.starts_at, data.ends_at)
    lines, items = await build_lines(session, principal, order_type.currency, data.lines)
    if unit_id is None:
        units = {items[line["item_id"]].unit_id for line in lines if line["item_id"]}
        unit_id = units.pop() if len(units) == 1 else None
    stock.ensure_available(stock.quantities(lines), items)
    await check_exclusivity(
        session, order_type, lines, items, customer_id, data.starts_at, data.ends_at
    )
    if data.external_ref and await repo.external_ref_taken(
        session, data.external_source, data.external_ref
    ):
        raise Conflict("order.external_ref_taken", ref=data.external_ref)
    totals = totals_of(order_type, lines)
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
    search = search_text(order["number"], data.external_ref, data.note[:300], line_names(lines))
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
                after={"number": order["number"], **snapshot(order, lines)},
            ),
        ],
    )
    return order
