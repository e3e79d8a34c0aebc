"""Domain events of orders, recorded in the outbox inside the use case's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.permissions import Principal
from orderdesk.orders.models import Order
from orderdesk.realtime.outbox import record_event

CREATED = "order.created"
UPDATED = "order.updated"
STATUS_CHANGED = "order.status_changed"
DELETED = "order.deleted"


def order_event(
    session: AsyncSession, order: Order, type: str, actor: Principal, **extra: Any
) -> None:
    """Record an order event; the payload stays small (ids, number, status, version)."""
    payload = {
        "id": order.id,
        "number": order.number,
        "status": order.status,
        "version": order.version,
        "order_type_id": order.order_type_id,
        **extra,
    }
    record_event(
        session,
        type=type,
        aggregate_type="order",
        aggregate_id=order.id,
        payload=payload,
        unit_id=order.unit_id,
        customer_id=order.customer_id,
        actor_id=actor.user_id,
    )
