"""All SQL of the outbox: pending rows for the relay, the relay lock, replay, retention."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, delete, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.realtime.models import OutboxEvent

# Any constant works; it only has to be the same in every process of one deployment.
RELAY_LOCK_KEY = 0x6F72646572_0001


def pending(*columns: Any) -> Select[Any]:
    """The relay's poll: unpublished events in id order (index `ix_outbox_events_pending`)."""
    return select(*columns).where(OutboxEvent.published_at.is_(None)).order_by(OutboxEvent.id)


async def has_unpublished(session: AsyncSession) -> bool:
    """Whether any event waits for the relay (a cheap indexed probe)."""
    return (await session.execute(pending(OutboxEvent.id).limit(1))).first() is not None


async def take_relay_lock(session: AsyncSession) -> bool:
    """Become the one relay publishing until this transaction ends.

    PostgreSQL: a transaction-level advisory lock, tried without waiting. SQLite: the write
    transaction (BEGIN IMMEDIATE) already excludes every other writer, relays included.
    """
    if session.get_bind().dialect.name != "postgresql":
        return True
    result = await session.execute(
        text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": RELAY_LOCK_KEY}
    )
    return bool(result.scalar())


async def unpublished(session: AsyncSession, limit: int) -> Sequence[OutboxEvent]:
    """The oldest unpublished events, in id order."""
    return (await session.scalars(pending(OutboxEvent).limit(limit))).all()


async def mark_published(session: AsyncSession, ids: list[int], at: datetime) -> None:
    stmt = update(OutboxEvent).where(OutboxEvent.id.in_(ids)).values(published_at=at)
    await session.execute(stmt)


async def purge_published(session: AsyncSession, before: datetime, limit: int) -> int:
    """Delete up to `limit` events published before `before`; returns how many went."""
    ids = select(OutboxEvent.id).where(
        OutboxEvent.published_at.is_not(None), OutboxEvent.created_at < before
    )
    doomed = list((await session.scalars(ids.order_by(OutboxEvent.id).limit(limit))).all())
    if doomed:
        await session.execute(delete(OutboxEvent).where(OutboxEvent.id.in_(doomed)))
    return len(doomed)


async def events_after(
    session: AsyncSession,
    *,
    after_id: int,
    since: datetime,
    aggregate_types: Sequence[str],
    limit: int,
) -> Sequence[OutboxEvent]:
    """Events newer than `after_id` and `since` of the given aggregates, in id order."""
    stmt = (
        select(OutboxEvent)
        .where(
            OutboxEvent.id > after_id,
            OutboxEvent.created_at >= since,
            OutboxEvent.aggregate_type.in_(aggregate_types),
        )
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    return (await session.scalars(stmt)).all()
