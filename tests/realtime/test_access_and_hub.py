"""Who hears what (the REST scoping rules) and how the hub fans out without waiting on anyone."""

from __future__ import annotations

from typing import Any

import pytest

from orderdesk.core.permissions import Principal, Role
from orderdesk.realtime.access import may_see, topic_allowed
from orderdesk.realtime.bus import EventBus
from orderdesk.realtime.events import Event
from orderdesk.realtime.hub import (
    CLOSE_TIMEOUT,
    CLOSE_TOO_SLOW,
    CLOSE_UNAUTHORIZED,
    Connection,
    Hub,
)

ADMIN = Principal(user_id=1, role=Role.admin)
MANAGER = Principal(user_id=2, role=Role.manager)
STAFF_NORTH = Principal(user_id=3, role=Role.staff, unit_id=10)
STAFF_NO_UNIT = Principal(user_id=4, role=Role.staff)
ALICE = Principal(user_id=5, role=Role.customer)
BOB = Principal(user_id=6, role=Role.customer)


def event(aggregate: str = "order", n: int = 1, **fields: Any) -> Event:
    fields.setdefault("type", f"{aggregate}.updated")
    return Event(id=n, event_id=f"e-{aggregate}-{n}", aggregate_type=aggregate,
                 aggregate_id=str(fields.pop("aggregate_id", 7)), **fields)  # fmt: skip


@pytest.mark.parametrize(
    ("principal", "visible"),
    [
        (ADMIN, True),
        (MANAGER, True),
        (STAFF_NORTH, True),
        (STAFF_NO_UNIT, False),
        (ALICE, True),
        (BOB, False),
    ],
)
def test_order_events_follow_the_order_scope(principal: Principal, visible: bool) -> None:
    assert may_see(principal, event(unit_id=10, customer_id=ALICE.user_id)) is visible


def test_staff_without_a_unit_hear_orders_without_one() -> None:
    assert may_see(STAFF_NO_UNIT, event(unit_id=None))
    assert not may_see(STAFF_NORTH, event(unit_id=None))


def test_item_events_follow_the_item_scope() -> None:
    shared, other_unit = event("item", payload={"status": "active"}), event("item", unit_id=11)
    assert may_see(STAFF_NORTH, shared)
    assert not may_see(STAFF_NORTH, other_unit)
    assert may_see(ALICE, shared)
    assert not may_see(ALICE, event("item", payload={"status": "archived"}))
    assert may_see(ALICE, event("item", type="item.archived", payload={"status": "archived"}))


def test_job_events_reach_their_owner_and_admins_only() -> None:
    job = event("job", actor_id=ALICE.user_id)
    assert may_see(ALICE, job)
    assert may_see(ADMIN, job)
    assert not may_see(BOB, job)
    assert not may_see(MANAGER, job)


@pytest.mark.parametrize(
    ("principal", "topic", "allowed"),
    [
        (ALICE, "orders", True),
        (ALICE, "order:5", True),
        (ALICE, "order:abc", False),
        (ALICE, "items", True),
        (ALICE, "jobs", True),
        (ALICE, "users", False),
        (STAFF_NORTH, "catalog", True),
    ],
)
def test_topics_that_may_be_subscribed(principal: Principal, topic: str, allowed: bool) -> None:
    assert topic_allowed(principal, topic) is allowed


def connection(principal: Principal, kills: list[tuple[int, str]], limit: int = 3) -> Connection:
    return Connection.open(
        principal,
        locale="en",
        queue_limit=limit,
        expires_at=10**10,
        on_kill=lambda code, key: kills.append((code, key)),
    )


async def test_a_slow_client_is_dropped_and_the_others_get_everything() -> None:
    hub, kills_slow, kills_fast = Hub(EventBus(), heartbeat_seconds=10), [], []
    slow, fast = connection(ADMIN, kills_slow), connection(ADMIN, kills_fast)
    for conn in (slow, fast):
        hub.add(conn)
        hub.subscribe(conn, ["orders"])
    for n in range(1, 11):
        await hub.on_events([event(n=n)])
        while not fast.queue.empty():  # the fast client's socket takes everything at once
            fast.queue.get_nowait()
    assert kills_slow == [(CLOSE_TOO_SLOW, "ws.too_slow")]
    assert kills_fast == []
    assert slow.queue.qsize() == 3


async def test_fan_out_respects_topics_and_permissions() -> None:
    hub, kills = Hub(EventBus(), heartbeat_seconds=10), []
    alice, bob, one_order = (
        connection(ALICE, kills),
        connection(BOB, kills),
        connection(ADMIN, kills),
    )
    for conn, topics in ((alice, ["orders"]), (bob, ["orders"]), (one_order, ["order:8"])):
        hub.add(conn)
        hub.subscribe(conn, topics)
    await hub.on_events([event(aggregate_id=7, customer_id=ALICE.user_id)])
    await hub.on_events([event(n=2, aggregate_id=8, customer_id=BOB.user_id)])
    assert (alice.queue.qsize(), bob.queue.qsize(), one_order.queue.qsize()) == (1, 1, 1)
    hub.remove(bob)
    assert hub.by_topic["orders"] == {alice}


def test_heartbeat_pings_the_live_drops_the_silent_and_the_expired() -> None:
    hub, kills = Hub(EventBus(), heartbeat_seconds=1), []
    live, silent = connection(ADMIN, kills), connection(ADMIN, kills)
    expired = connection(ADMIN, kills)
    expired.expires_at = 100.0
    for conn in (live, silent, expired):
        hub.add(conn)
    silent.last_seen -= 5
    hub.check_heartbeats(live.last_seen + 0.5, 1_000.0)
    assert live.queue.get_nowait() == '{"type":"ping"}'
    assert sorted(kills) == [
        (CLOSE_UNAUTHORIZED, "ws.session_expired"),
        (CLOSE_TIMEOUT, "ws.heartbeat_timeout"),
    ]
