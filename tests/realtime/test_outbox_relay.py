"""The outbox relay: nothing for rolled-back changes, at least once after a crash, in order."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from orderdesk.container import Container
from orderdesk.db.types import utcnow
from orderdesk.orders import service as orders
from orderdesk.orders.schemas import OrderCreate, OrderUpdate
from orderdesk.realtime.bus import EventBus, RedisEventBus
from orderdesk.realtime.events import Event
from orderdesk.realtime.models import OutboxEvent
from orderdesk.realtime.outbox import record_event
from orderdesk.realtime.repository import pending
from tests.conftest import TEST_CHANNEL
from tests.factories import SYSTEM, free_line, make_order, make_order_type
from tests.realtime.helpers import Recorder, published, relay_for

REDIS_URL = os.environ.get("ORDERDESK_TEST_REDIS_URL", "")


async def unpublished_count(container: Container) -> int:
    async with container.read_sessions() as session:
        stmt = select(func.count()).where(OutboxEvent.published_at.is_(None))
        return int((await session.execute(stmt)).scalar_one())


async def test_a_rolled_back_change_publishes_nothing(container: Container) -> None:
    await make_order_type(container)
    await published(container)  # the order type itself records nothing, but be sure
    data = OrderCreate.model_validate({"order_type": "request", "lines": [free_line()]})
    async with container.write_sessions() as session:
        await orders.create_order(session=session, principal=SYSTEM, data=data)
        record_event(session, type="x.y", aggregate_type="x", aggregate_id=1, payload={})
        await session.rollback()
    assert (await published(container)).events == []


async def test_a_committed_change_is_published_once_and_marked(container: Container) -> None:
    await make_order_type(container)
    order = await make_order(container)
    heard = await published(container)
    assert heard.types(order["id"]) == ["order.created"]
    assert await unpublished_count(container) == 0
    assert (await published(container)).events == []


class CrashingBus(EventBus):
    """Delivers, then dies before the relay can mark the rows (a crash after publish)."""

    def __init__(self, deliver_first: bool) -> None:
        super().__init__()
        self.deliver_first = deliver_first

    async def publish(self, events: Sequence[Event]) -> None:
        if self.deliver_first:
            await self.deliver(events)
        raise ConnectionError("process died")


@pytest.mark.parametrize("deliver_first", [False, True])
async def test_a_crash_between_commit_and_publish_still_delivers(
    container: Container, deliver_first: bool
) -> None:
    await make_order_type(container)
    order = await make_order(container)
    crashed = CrashingBus(deliver_first)
    with pytest.raises(ConnectionError):
        await relay_for(container, crashed).drain()
    assert await unpublished_count(container) == 1
    heard = await published(container)  # a fresh relay, as after a restart
    assert heard.types(order["id"]) == ["order.created"]


async def test_consumers_drop_a_repeated_event() -> None:
    bus, recorder = EventBus(), Recorder()
    bus.subscribe(recorder)
    event = Event(id=1, event_id="e-1", type="order.created", aggregate_type="order",
                  aggregate_id="1")  # fmt: skip
    await bus.publish([event])
    await bus.publish([event, event])
    assert len(recorder.events) == 1


async def _change_order_many_times(container: Container, order_id: int) -> None:
    for note in ("first", "second", "third"):
        async with container.write_sessions() as session:
            current = await orders.get_order(session=session, principal=SYSTEM, order_id=order_id)
            await orders.update_order(
                session=session,
                principal=SYSTEM,
                order_id=order_id,
                data=OrderUpdate(note=note),
                expected_version=current["version"],
            )
            await session.commit()


async def test_events_of_one_aggregate_keep_their_order(container: Container) -> None:
    await make_order_type(container)
    first, second = await make_order(container), await make_order(container)
    await _change_order_many_times(container, first["id"])
    await _change_order_many_times(container, second["id"])
    async with container.write_sessions() as session:
        await orders.transition(
            session=session, principal=SYSTEM, order_id=first["id"], to="accepted"
        )
        await session.commit()
    heard = await published(container, batch_size=2)  # several batches
    assert heard.types(first["id"]) == ["order.created"] + ["order.updated"] * 3 + [
        "order.status_changed"
    ]
    versions = [e.payload["version"] for e in heard.events if e.aggregate_id == str(first["id"])]
    assert versions == sorted(versions)
    assert [e.id for e in heard.events] == sorted(e.id for e in heard.events)


async def test_two_relays_at_once_publish_everything_in_order(container: Container) -> None:
    await make_order_type(container)
    order = await make_order(container)
    await _change_order_many_times(container, order["id"])
    bus, recorder = EventBus(), Recorder()
    bus.subscribe(recorder)
    relays = [relay_for(container, bus, batch_size=1) for _ in range(2)]
    await asyncio.gather(*(relay.drain() for relay in relays))
    await relays[0].drain()  # whatever the busy one left
    assert recorder.types(order["id"]) == ["order.created"] + ["order.updated"] * 3


async def test_a_running_relay_wakes_on_a_local_commit(container: Container) -> None:
    await make_order_type(container)
    bus, recorder = EventBus(), Recorder()
    bus.subscribe(recorder)
    relay = relay_for(container, bus, poll_seconds=30.0)  # only the wake-up can explain speed
    relay.start()
    try:
        await asyncio.sleep(0.05)
        order = await make_order(container)
        for _ in range(100):
            if recorder.events:
                break
            await asyncio.sleep(0.02)
    finally:
        await relay.stop()
    assert recorder.types(order["id"]) == ["order.created"]


async def test_purge_removes_only_old_published_events(container: Container) -> None:
    await make_order_type(container)
    old, fresh = await make_order(container), await make_order(container)
    await published(container)
    unpublished = await make_order(container)
    async with container.write_sessions() as session:
        await session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.aggregate_id.in_([str(old["id"]), str(unpublished["id"])]))
            .values(created_at=utcnow() - timedelta(days=3))
        )
        await session.commit()
    removed = await relay_for(container, EventBus(), retention=timedelta(days=1)).purge()
    assert removed == 1
    async with container.read_sessions() as session:
        left = set((await session.scalars(select(OutboxEvent.aggregate_id))).all())
    assert left == {str(fresh["id"]), str(unpublished["id"])}


@pytest.mark.skipif(not REDIS_URL, reason="needs ORDERDESK_TEST_REDIS_URL")
async def test_the_redis_bus_carries_a_batch_to_every_listening_process() -> None:
    channel = f"{TEST_CHANNEL}:bus-test"
    sender, listener = RedisEventBus(REDIS_URL, channel), RedisEventBus(REDIS_URL, channel)
    recorder = Recorder()
    listener.subscribe(recorder)
    await listener.start()
    try:
        batch = [Event(id=n, event_id=f"r-{n}", type="order.updated", aggregate_type="order",
                       aggregate_id="1") for n in range(1, 251)]  # fmt: skip
        await sender.publish(batch)  # never started: a publish-only process
        await sender.publish(batch[:10])  # a repeat is dropped
        for _ in range(100):
            if len(recorder.events) >= 250:
                break
            await asyncio.sleep(0.02)
    finally:
        await sender.close()
        await listener.close()
    assert [e.id for e in recorder.events] == list(range(1, 251))


async def test_the_relay_poll_reads_only_pending_events_whatever_the_statistics_say(
    container: Container,
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads its table in id (rowid) order for this poll; see the next test")
    async with container.write_sessions() as session:
        for n in range(2000):
            record_event(
                session, type="test.churn", aggregate_type="test", aggregate_id=str(n), payload={}
            )
        await session.commit()
    async with container.engine.begin() as conn:
        # statistics taken while every event waited; then the relay published them all
        await conn.exec_driver_sql("ANALYZE outbox_events")
        await conn.execute(update(OutboxEvent).values(published_at=utcnow()))
        sql = str(
            pending(OutboxEvent.id, OutboxEvent.payload)
            .limit(100)
            .compile(conn.sync_engine, compile_kwargs={"literal_binds": True})
        )
        plan = "\n".join(row[0] for row in await conn.exec_driver_sql(f"EXPLAIN {sql}"))
        await conn.rollback()

    assert "ix_outbox_events_pending" in plan, plan


async def test_the_pending_events_index_holds_only_unpublished_events(
    container: Container,
) -> None:
    async with container.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            found = await conn.exec_driver_sql(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_outbox_events_pending'"
            )
        else:
            found = await conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'ix_outbox_events_pending'"
            )
        definition = str(found.scalar_one())

    assert "published_at IS NULL" in definition, definition
