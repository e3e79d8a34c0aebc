"""Record domain events inside the caller's transaction; the relay publishes them after commit."""

from __future__ import annotations

import uuid
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.db.types import utcnow
from orderdesk.realtime.models import OutboxEvent


def record_event(
    session: AsyncSession,
    *,
    type: str,
    aggregate_type: str,
    aggregate_id: int | str,
    payload: dict[str, Any],
    unit_id: int | None = None,
    customer_id: int | None = None,
    actor_id: int | None = None,
) -> OutboxEvent:
    """Add an event to the outbox; it is written (or dropped) with the caller's transaction."""
    event = OutboxEvent(
        event_id=str(uuid.uuid4()),
        type=type,
        aggregate_type=aggregate_type,
        aggregate_id=str(aggregate_id),
        payload=payload,
        unit_id=unit_id,
        customer_id=customer_id,
        actor_id=actor_id,
    )
    session.add(event)
    return event


OUTBOX = cast(Table, OutboxEvent.__table__)
INSERT_EVENT = insert(OUTBOX)


async def insert_event(
    session: AsyncSession,
    *,
    type: str,
    aggregate_type: str,
    aggregate_id: int | str,
    payload: dict[str, Any],
    unit_id: int | None = None,
    customer_id: int | None = None,
    actor_id: int | None = None,
) -> None:
    """`record_event` as one Core INSERT, for hot paths that hold no ORM objects (job loop)."""
    conn = await session.connection()
    await conn.execute(
        INSERT_EVENT,
        {
            "event_id": str(uuid.uuid4()),
            "type": type,
            "aggregate_type": aggregate_type,
            "aggregate_id": str(aggregate_id),
            "payload": payload,
            "unit_id": unit_id,
            "customer_id": customer_id,
            "actor_id": actor_id,
            "created_at": utcnow(),
        },
    )
