"""The transactional outbox: events written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from orderdesk.db.base import Base, IdMixin
from orderdesk.db.types import BigIntPK, JSONType, UTCDateTime, utcnow

_PENDING = text("published_at IS NULL")


class OutboxEvent(IdMixin, Base):
    """One domain event; `id` orders events, `event_id` lets consumers drop duplicates."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        Index("ix_outbox_events_unpublished", "published_at", "id"),
        # The relay's poll (`published_at IS NULL ORDER BY id`) reads this one whatever the
        # planner's statistics say: a queue table's change faster than ANALYZE runs.
        Index("ix_outbox_events_pending", "id", postgresql_where=_PENDING, sqlite_where=_PENDING),
        Index("ix_outbox_events_aggregate", "aggregate_type", "aggregate_id", "id"),
    )

    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    aggregate_type: Mapped[str] = mapped_column(String(32))
    aggregate_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    # Who may hear it: the same scoping as the REST API (unit for staff, customer for customers).
    unit_id: Mapped[int | None] = mapped_column(BigIntPK)
    customer_id: Mapped[int | None] = mapped_column(BigIntPK)
    actor_id: Mapped[int | None] = mapped_column(BigIntPK)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
