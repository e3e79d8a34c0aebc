"""Create an order: parties checked, lines priced, totals computed, number assigned."""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.backends.cache import Cache
from orderdesk.core.attributes import validate_attributes
from orderdesk.core.errors import Conflict
from orderdesk.core.pagination import search_text
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.db.engine import on_end
from orderdesk.db.query import Write, bound, write_all
from orderdesk.db.types import utcnow
from orderdesk.orders import events, stock
from orderdesk.orders import repository as repo
from orderdesk.orders.numbering import number_pattern, period_of, render_number
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
            "number": f"~N{secrets.token_hex(12)}",  # a mark until the number is taken, see below
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
    # in the one statement that writes everything naming the number (the number is a mark in
    # them until then), so that the lock is held from that statement to the commit only.
    period = period_of(order_type.number_format, now)
    pattern = number_pattern(order_type.number_format, now)
    if pattern is None:  # a format only Python renders: take the number, then write
        await _queue_for_number(session, order_type.id, period)
        seq = await repo.next_number(session, order_type.id, period)
        order["number"] = render_number(order_type.number_format, seq, now)
        await write_all(session, _last_writes(session, principal, order, lines, data, now))
        return order
    mark = order["number"]  # its casefolded form ("~n…") is the mark in the search text
    writes = _last_writes(session, principal, order, lines, data, now)
    number = repo.number_write(
        (await bound(session))[0].dialect.name, order_type.id, period, pattern
    )
    await _queue_for_number(session, order_type.id, period)
    taken = await write_all(
        session, writes, source=number, marks={mark: "number", mark.casefold(): "folded"}
    )
    assert taken is not None
    order["number"] = taken["number"]
    return order


def _last_writes(
    session: AsyncSession,
    principal: Principal,
    order: dict[str, Any],
    lines: list[dict[str, Any]],
    data: OrderCreate,
    now: datetime,
) -> list[Write]:
    """What a creation writes once its number is known: the number itself, the status history,
    the outbox event and the audit entry."""
    search = search_text(order["number"], data.external_ref, data.note[:300], line_names(lines))
    return [
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
    ]


_Places = dict[tuple[int, str], asyncio.Semaphore]  # by (order type, counter period)
_NUMBER_QUEUES: WeakKeyDictionary[asyncio.AbstractEventLoop, _Places] = WeakKeyDictionary()


async def _queue_for_number(session: AsyncSession, order_type_id: int, period: str) -> None:
    """Wait for a place at the type's counter row among this process's creations.

    They all update that one row. When tens of transactions wait for it in PostgreSQL, every
    commit wakes them all and they contend for its lock manager: the commit that releases the
    row takes milliseconds instead of a fraction of one (2.5 ms against 0.3–0.5 ms at 64
    concurrent creations), and every creation waits for it. Queued here instead, only a few
    transactions per process are at the row at a time. The place is given back when the
    transaction ends; a transaction that has one does not queue again.
    """
    key = (order_type_id, period)
    held: set[tuple[int, str]] = session.info.setdefault(_HELD_QUEUES, set())
    if key in held:
        return
    queues = _NUMBER_QUEUES.setdefault(asyncio.get_running_loop(), {})
    places = queues.setdefault(key, asyncio.Semaphore(_AT_THE_ROW))
    try:
        await asyncio.wait_for(places.acquire(), _PLACE_TIMEOUT)
    except TimeoutError:  # places never given back would stop creations: the row lock alone
        return  # keeps numbers right, so go on without one
    held.add(key)

    def release() -> None:
        held.discard(key)
        places.release()

    on_end(session, release)


_HELD_QUEUES = "orderdesk.orders.number_queues"
# Transactions of one process let through to the counter row at a time: the one holding it
# and two already waiting in the database, which take it over at its commit with no round
# trip to this process in between (one at a time: ~15 % fewer creations per second).
_AT_THE_ROW = 3
_PLACE_TIMEOUT = 10.0  # seconds
