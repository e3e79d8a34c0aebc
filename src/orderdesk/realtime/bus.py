"""The event bus: publish a batch, subscribe a handler; in-process or across processes via Redis.

Consumers subscribe a coroutine taking a batch of events. The bus drops events it has already
delivered in this process (by `event_id`), so the relay's at-least-once becomes at-most-once per
process for every handler. Handlers run on the bus's task: they must return quickly (put slow
work on a queue of their own, as the WebSocket hub does).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog

from orderdesk.db.types import utcnow
from orderdesk.realtime.events import Event, decode_batch, encode_batch

Handler = Callable[[Sequence[Event]], Awaitable[None]]
log = structlog.get_logger("orderdesk.realtime")
DEDUPE_WINDOW = 50_000
EVENTS_PER_MESSAGE = 100


class EventBus:
    """The in-process bus; also the base of the Redis bus (which only changes transport)."""

    def __init__(self, dedupe_window: int = DEDUPE_WINDOW) -> None:
        self._handlers: list[Handler] = []
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._dedupe_window = dedupe_window

    def subscribe(self, handler: Handler) -> Callable[[], None]:
        """Call `handler` with every batch of new events; returns the unsubscribe function."""
        self._handlers.append(handler)
        return lambda: self._handlers.remove(handler) if handler in self._handlers else None

    async def publish(self, events: Sequence[Event]) -> None:
        """Deliver a batch to every subscriber, in order."""
        await self.deliver(events)

    async def start(self) -> None:
        """Connect the transport (nothing to do in-process)."""

    async def close(self) -> None:
        """Disconnect the transport (nothing to do in-process)."""

    async def deliver(self, events: Sequence[Event]) -> None:
        """Hand events not seen before to every handler; a failing handler is logged and skipped."""
        fresh = [event for event in events if self._first_time(event.event_id)]
        if not fresh:
            return
        for handler in list(self._handlers):
            try:
                await handler(fresh)
            except Exception:
                log.exception("realtime.handler_failed", handler=repr(handler))

    def _first_time(self, event_id: str) -> bool:
        if event_id in self._seen:
            return False
        self._seen[event_id] = None
        if len(self._seen) > self._dedupe_window:
            self._seen.popitem(last=False)
        return True


class RedisEventBus(EventBus):
    """Redis pub/sub: batches go out pipelined; every process hears every batch once."""

    def __init__(self, url: str, channel: str, dedupe_window: int = DEDUPE_WINDOW) -> None:
        super().__init__(dedupe_window)
        self.url, self.channel = url, channel
        self._redis: Any = None
        self._pubsub: Any = None
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect and subscribe before returning, so nothing published afterwards is missed."""
        from redis.asyncio import Redis

        if self._reader is not None:
            return
        if self._redis is None:
            self._redis = Redis.from_url(self.url)
        await self._subscribe()
        self._reader = asyncio.create_task(self._read_forever(), name="orderdesk-bus-reader")

    async def _subscribe(self) -> None:
        self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await self._pubsub.subscribe(self.channel)

    async def publish(self, events: Sequence[Event]) -> None:
        """One PUBLISH per chunk of events, all chunks in one pipelined round trip."""
        if not events:
            return
        if self._redis is None:  # a publisher that never started listening (CLI, worker)
            from redis.asyncio import Redis

            self._redis = Redis.from_url(self.url)
        batch = list(events)
        async with self._redis.pipeline(transaction=False) as pipe:
            for start in range(0, len(batch), EVENTS_PER_MESSAGE):
                pipe.publish(self.channel, encode_batch(batch[start : start + EVENTS_PER_MESSAGE]))
            await pipe.execute()

    async def _read_forever(self) -> None:
        backoff = 0.1
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
                if message is not None and message.get("type") == "message":
                    await self.deliver(decode_batch(message["data"]))
                backoff = 0.1
            except asyncio.CancelledError:
                raise
            except Exception:
                # Missed messages are not lost for good: WebSocket clients replay from the outbox.
                log.exception("realtime.redis_reader_failed")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                with contextlib.suppress(Exception):
                    await self._subscribe()

    async def close(self) -> None:
        """Stop reading and disconnect."""
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        if self._pubsub is not None:
            with contextlib.suppress(Exception):
                await self._pubsub.aclose()
            self._pubsub = None
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None


def build_bus(redis_url: str | None, channel: str) -> EventBus:
    """Redis pub/sub when Redis is configured, the in-process bus otherwise."""
    return RedisEventBus(redis_url, channel) if redis_url else EventBus()


async def publish_live(bus: EventBus, fields: dict[str, Any]) -> None:
    """Publish an event that has no outbox row (id 0: live only, never replayed)."""
    event = Event(
        id=0,
        event_id=str(uuid.uuid4()),
        type=fields["type"],
        aggregate_type=fields["aggregate_type"],
        aggregate_id=str(fields["aggregate_id"]),
        payload=dict(fields.get("payload") or {}),
        unit_id=fields.get("unit_id"),
        customer_id=fields.get("customer_id"),
        actor_id=fields.get("actor_id"),
        created_at=utcnow().isoformat(),
    )
    await bus.publish([event])
