"""The outbox relay: publishes committed events in id order, at least once, then marks them.

Every process runs one. A relay holds the relay lock (PostgreSQL advisory lock; SQLite's write
lock) while it reads, publishes and marks a batch, so one relay publishes at a time and events of
an aggregate leave in the order they were written. A crash after publishing but before marking
only repeats the batch (consumers drop duplicates by `event_id`); a crash before the commit of
the change itself leaves nothing to publish.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orderdesk.db.types import utcnow
from orderdesk.realtime import outbox
from orderdesk.realtime import repository as repo
from orderdesk.realtime.bus import EventBus
from orderdesk.realtime.events import Event
from orderdesk.realtime.models import OutboxEvent

log = structlog.get_logger("orderdesk.realtime")
LOCK_BUSY = -1
PURGE_CHUNK = 5_000
# Runs inside the relay's transaction before a batch is marked published: whatever it writes
# commits with that mark, so each event is consumed exactly once (Telegram deliveries, ADR 0017).
InTransactionConsumer = Callable[[AsyncSession, Sequence[OutboxEvent]], Awaitable[None]]


class OutboxRelay:
    """Moves outbox rows to the bus; wakes on local commits and polls for other processes'."""

    def __init__(
        self,
        *,
        read_sessions: async_sessionmaker[AsyncSession],
        write_sessions: async_sessionmaker[AsyncSession],
        bus: EventBus,
        batch_size: int = 500,
        poll_seconds: float = 0.5,
        retention: timedelta = timedelta(hours=24),
        purge_every_seconds: float = 300.0,
        consumers: Sequence[InTransactionConsumer] = (),
    ) -> None:
        self.read_sessions, self.write_sessions, self.bus = read_sessions, write_sessions, bus
        self.consumers = list(consumers)
        self.batch_size, self.poll_seconds = batch_size, poll_seconds
        self.retention, self.purge_every_seconds = retention, purge_every_seconds
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._unhook: Callable[[], None] | None = None
        self._last_purge = 0.0

    def wake(self) -> None:
        """Look for events now (called after a local commit that wrote some)."""
        self._wake.set()

    async def run_once(self) -> int:
        """Publish one batch; the number published, or LOCK_BUSY if another relay is at work."""
        async with self.read_sessions() as probe:
            if not await repo.has_unpublished(probe):
                return 0
        async with self.write_sessions() as session, session.begin():
            if not await repo.take_relay_lock(session):
                return LOCK_BUSY
            rows = await repo.unpublished(session, self.batch_size)
            if rows:
                for consume in self.consumers:
                    await consume(session, rows)
                await self.bus.publish([Event.from_row(row) for row in rows])
                await repo.mark_published(session, [row.id for row in rows], utcnow())
            return len(rows)

    async def drain(self) -> int:
        """Publish until nothing is left (or another relay holds the lock); the number published."""
        total, busy_retries = 0, 0
        while True:
            count = await self.run_once()
            if count == LOCK_BUSY:
                busy_retries += 1
                if busy_retries > 5:
                    return total
                await asyncio.sleep(0.05)
                continue
            total += count
            if count < self.batch_size:
                return total

    async def purge(self) -> int:
        """Delete published events older than the retention window, a bounded chunk at a time."""
        before, removed = utcnow() - self.retention, 0
        for _ in range(20):
            async with self.write_sessions() as session, session.begin():
                count = await repo.purge_published(session, before, PURGE_CHUNK)
            removed += count
            if count < PURGE_CHUNK:
                break
        return removed

    def start(self) -> None:
        """Run in the background of the current event loop until stop()."""
        if self._task is None:
            self._unhook = outbox.wake_on_commit(self._wake.set)
            self._task = asyncio.create_task(self._run(), name="orderdesk-outbox-relay")

    async def stop(self) -> None:
        """Stop the background loop (events left unpublished are picked up on the next start)."""
        if self._unhook is not None:
            self._unhook()
            self._unhook = None
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = self.poll_seconds
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=backoff)
            self._wake.clear()
            try:
                await self.drain()
                await self._purge_when_due()
                backoff = self.poll_seconds
            except Exception:
                log.exception("realtime.relay_failed")
                backoff = min(max(backoff * 2, 0.5), 10.0)

    async def _purge_when_due(self) -> None:
        now = time.monotonic()
        if now - self._last_purge >= self.purge_every_seconds:
            self._last_purge = now
            await self.purge()
