"""Domain events of orders, recorded in the outbox inside the use case's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.permissions import Principal
from orderdesk.db.query import Write
from orderdesk.orders.models import Order
from orderdesk.realtime.outbox import event_write, insert_event, record_event

CREATED = "order.created"
UPDATED = "order.updated"
STATUS_CHANGED = "order.status_changed"
DELETED = "order.deleted"


def _event(order: Mapping[str, Any], type: str, actor: Principal, extra: Any) -> dict[str, Any]:
    """The outbox fields of an order event; the payload stays small (ids, number, status)."""
    return {
        "type": type,
        "aggregate_type": "order",
        "aggregate_id": order["id"],
        "payload": {
            "id": order["id"],
            "number": order["number"],
            "status": order["status"],
            "version": order["version"],
            "order_type_id": order["order_type_id"],
            **extra,
        },
        "unit_id": order["unit_id"],
        "customer_id": order["customer_id"],
        "actor_id": actor.user_id,
    }


def order_event(
    session: AsyncSession, order: Order, type: str, actor: Principal, **extra: Any
) -> None:
    """Record an event of an order held as an ORM object (written with the next flush)."""
    fields = ("id", "number", "status", "version", "order_type_id", "unit_id", "customer_id")
    record_event(session, **_event({f: getattr(order, f) for f in fields}, type, actor, extra))


def order_event_write(
    session: AsyncSession, order: Mapping[str, Any], type: str, actor: Principal, **extra: Any
) -> Write:
    """An event of an order held as a row, to write with the use case's other writes."""
    return event_write(session, **_event(order, type, actor, extra))


async def insert_order_event(
    session: AsyncSession, order: Mapping[str, Any], type: str, actor: Principal, **extra: Any
) -> None:
    """Record an event of an order held as a row (one Core INSERT, now)."""
    await insert_event(session, **_event(order, type, actor, extra))
