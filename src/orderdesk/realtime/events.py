"""The event as it travels: built from an outbox row, encoded once, decoded by every consumer."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from orderdesk.realtime.models import OutboxEvent

# A control event: login sessions were revoked; every process closes their WebSockets.
# Never delivered to clients (the hub handles it before the fan-out).
SESSIONS_REVOKED = "auth.sessions_revoked"

# The topic family of each aggregate: `orders` hears every order event, `order:5` one order.
FAMILIES = {
    "order": "orders",
    "item": "items",
    "item_type": "catalog",
    "category": "catalog",
    "job": "jobs",
}


@dataclass(frozen=True, slots=True)
class Event:
    """A published domain event; `id` orders events, `event_id` identifies one for dedupe."""

    id: int
    event_id: str
    type: str
    aggregate_type: str
    aggregate_id: str
    payload: dict[str, Any] = field(default_factory=dict)
    unit_id: int | None = None
    customer_id: int | None = None
    actor_id: int | None = None
    created_at: str = ""

    @classmethod
    def from_row(cls, row: OutboxEvent) -> Event:
        """The event of an outbox row."""
        return cls(
            id=row.id,
            event_id=row.event_id,
            type=row.type,
            aggregate_type=row.aggregate_type,
            aggregate_id=row.aggregate_id,
            payload=dict(row.payload or {}),
            unit_id=row.unit_id,
            customer_id=row.customer_id,
            actor_id=row.actor_id,
            created_at=row.created_at.isoformat() if row.created_at else "",
        )

    @property
    def topics(self) -> tuple[str, str]:
        """The family topic and the single-aggregate topic this event is heard on."""
        family = FAMILIES.get(self.aggregate_type, self.aggregate_type)
        return family, f"{self.aggregate_type}:{self.aggregate_id}"

    def client_message(self) -> str:
        """The JSON text WebSocket clients receive (scoping columns stay on the server)."""
        return orjson.dumps(
            {
                "type": "event",
                "id": self.id or None,  # None: a live-only event (no outbox row to replay)
                "event_id": self.event_id,
                "event": self.type,
                "aggregate": self.aggregate_type,
                "aggregate_id": self.aggregate_id,
                "payload": self.payload,
                "at": self.created_at,
            }
        ).decode()


def encode_batch(events: list[Event]) -> bytes:
    """One bus message for a batch of events."""
    return orjson.dumps([asdict(event) for event in events])


def decode_batch(data: bytes | str) -> list[Event]:
    """The events of one bus message."""
    return [Event(**item) for item in orjson.loads(data)]
