"""Record domain events inside the caller's transaction; the relay publishes them after commit."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.db.engine import ON_COMMIT, on_commit
from orderdesk.db.query import PreparedWrite, Write
from orderdesk.db.types import utcnow
from orderdesk.realtime.models import OutboxEvent

# Called after a commit that wrote outbox rows in this process: the relay wakes at once.
_wakers: list[Callable[[], None]] = []


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
    event = OutboxEvent(**_fields(locals()))
    session.add(event)
    _wake_after_commit(session)
    return event


OUTBOX = cast(Table, OutboxEvent.__table__)
INSERT_EVENT = PreparedWrite(
    insert(OUTBOX),
    (
        "event_id",
        "type",
        "aggregate_type",
        "aggregate_id",
        "payload",
        "unit_id",
        "customer_id",
        "actor_id",
        "created_at",
    ),
)


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
    await insert_events(session, [locals()])


def event_write(session: AsyncSession, **event: Any) -> Write:
    """An event (`record_event`'s fields) to write with the use case's other writes."""
    _wake_after_commit(session)
    return INSERT_EVENT.write(**_fields(event), created_at=utcnow())


async def insert_events(session: AsyncSession, events: list[dict[str, Any]]) -> None:
    """Several events (each with `record_event`'s fields) in one multi-row INSERT."""
    if not events:
        return
    now = utcnow()
    rows = [{**_fields(event), "created_at": now} for event in events]
    _wake_after_commit(session)
    await INSERT_EVENT.rows(session, rows)


def _fields(given: dict[str, Any]) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "type": given["type"],
        "aggregate_type": given["aggregate_type"],
        "aggregate_id": str(given["aggregate_id"]),
        "payload": given["payload"],
        "unit_id": given.get("unit_id"),
        "customer_id": given.get("customer_id"),
        "actor_id": given.get("actor_id"),
    }


def wake_on_commit(waker: Callable[[], None]) -> Callable[[], None]:
    """Call `waker` after every local commit that wrote events; returns the undo function."""
    _wakers.append(waker)
    return lambda: _wakers.remove(waker) if waker in _wakers else None


def _wake_after_commit(session: AsyncSession) -> None:
    """Once per transaction: after its commit, wake this process's relays."""
    if _wake not in session.info.get(ON_COMMIT, ()):
        on_commit(session, _wake)


def _wake() -> None:
    for waker in _wakers:
        waker()
