"""The WebSocket hub: connections by topic, fan-out of bus events, heartbeats, slow-client drops.

Fan-out never waits on a socket: each connection has a bounded queue drained by its own sender
task. A connection whose queue is full is closed (it may reconnect with `last_event_id`), so one
slow client cannot slow the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from orderdesk.core.permissions import Principal
from orderdesk.realtime.access import may_see
from orderdesk.realtime.bus import EventBus
from orderdesk.realtime.events import SESSIONS_REVOKED, Event

CLOSE_UNAUTHORIZED = 4401
CLOSE_TIMEOUT = 4408
CLOSE_TOO_SLOW = 4409
CLOSE_GOING_AWAY = 1001
PING = orjson.dumps({"type": "ping"}).decode()


@dataclass(slots=True, eq=False)
class Connection:
    """One authenticated WebSocket: who it is, what it listens to, what waits to be sent."""

    principal: Principal
    locale: str
    queue_limit: int
    expires_at: float
    on_kill: Callable[[int, str], None]
    topics: set[str]
    queue: asyncio.Queue[str]
    last_seen: float
    buffer: list[tuple[Event, str]] | None = None  # live events held back during a replay
    replayed: set[str] | None = None
    killed: bool = False
    slack: int = 0  # queued messages exempt from the bound (greeting, replays)

    @classmethod
    def open(
        cls,
        principal: Principal,
        *,
        locale: str,
        queue_limit: int,
        expires_at: float,
        on_kill: Callable[[int, str], None],
    ) -> Connection:
        """A new connection with an empty queue and no topics."""
        return cls(
            principal, locale, queue_limit, expires_at, on_kill, set(), asyncio.Queue(),
            time.monotonic(),
        )  # fmt: skip

    def offer(self, text: str, *, bounded: bool = True) -> bool:
        """Queue a message; False (and the connection is killed) when the client lags too far."""
        if self.killed:
            return False
        if not bounded:
            self.slack += 1
        elif self.queue.qsize() >= self.queue_limit + self.slack:
            self.kill(CLOSE_TOO_SLOW, "ws.too_slow")
            return False
        self.queue.put_nowait(text)
        return True

    def deliver(self, event: Event, text: str) -> None:
        """Queue a live event, holding it back while a replay runs and skipping replayed ones."""
        if self.buffer is not None:
            self.buffer.append((event, text))
        elif self.replayed is None or event.event_id not in self.replayed:
            self.offer(text)

    def kill(self, code: int, reason_key: str) -> None:
        """Close this connection soon with a code and a translated reason."""
        if not self.killed:
            self.killed = True
            self.on_kill(code, reason_key)


class Hub:
    """All WebSocket connections of this process."""

    def __init__(self, bus: EventBus, *, heartbeat_seconds: float) -> None:
        self.bus = bus
        self.heartbeat_seconds = heartbeat_seconds
        self.connections: set[Connection] = set()
        self.by_topic: defaultdict[str, set[Connection]] = defaultdict(set)
        self._unsubscribe: Callable[[], None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen to the bus and start the heartbeat."""
        if self._unsubscribe is None:
            self._unsubscribe = self.bus.subscribe(self.on_events)
            self._heartbeat = asyncio.create_task(self._beat(), name="orderdesk-ws-heartbeat")

    async def stop(self) -> None:
        """Stop listening and ask every client to go away."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        for conn in list(self.connections):
            conn.kill(CLOSE_GOING_AWAY, "ws.shutdown")

    def add(self, conn: Connection) -> None:
        self.connections.add(conn)

    def remove(self, conn: Connection) -> None:
        """Forget a connection and all its subscriptions."""
        self.connections.discard(conn)
        for topic in conn.topics:
            listeners = self.by_topic.get(topic)
            if listeners is not None:
                listeners.discard(conn)
                if not listeners:
                    del self.by_topic[topic]
        conn.topics.clear()

    def subscribe(self, conn: Connection, topics: Sequence[str]) -> None:
        for topic in topics:
            conn.topics.add(topic)
            self.by_topic[topic].add(conn)

    def unsubscribe(self, conn: Connection, topics: Sequence[str]) -> None:
        for topic in topics:
            conn.topics.discard(topic)
            listeners = self.by_topic.get(topic)
            if listeners is not None:
                listeners.discard(conn)
                if not listeners:
                    del self.by_topic[topic]

    async def on_events(self, events: Sequence[Event]) -> None:
        """Fan a batch out to the connections whose topics and permissions match."""
        for event in events:
            if event.type == SESSIONS_REVOKED:
                self.end_sessions(event.payload)
                continue
            family, single = event.topics
            targets = self.by_topic.get(family, set()) | self.by_topic.get(single, set())
            text: str | None = None
            for conn in targets:
                if may_see(conn.principal, event):
                    text = text or event.client_message()  # encoded once for all listeners
                    conn.deliver(event, text)

    def end_sessions(self, revoked: dict[str, Any]) -> None:
        """Close the connections of revoked login sessions (logout, block, password change)."""
        user_id, session_id = revoked.get("user_id"), revoked.get("session_id")
        spared = revoked.get("except_session_id")
        for conn in list(self.connections):
            principal = conn.principal
            if session_id is not None and principal.session_id != session_id:
                continue
            if user_id is not None and principal.user_id != user_id:
                continue
            if spared is not None and principal.session_id == spared:
                continue
            conn.kill(CLOSE_UNAUTHORIZED, "ws.session_ended")

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_seconds)
            self.check_heartbeats(time.monotonic(), time.time())

    def check_heartbeats(self, now: float, wall: float) -> None:
        """Drop silent or expired connections, ping the rest."""
        for conn in list(self.connections):
            if now - conn.last_seen > 2 * self.heartbeat_seconds:
                conn.kill(CLOSE_TIMEOUT, "ws.heartbeat_timeout")
            elif conn.expires_at <= wall:
                conn.kill(CLOSE_UNAUTHORIZED, "ws.session_expired")
            else:
                conn.offer(PING)


SendText = Callable[[str], Awaitable[None]]


async def send_forever(conn: Connection, send: SendText) -> None:
    """Drain the connection's queue into the socket until cancelled."""
    while True:
        await send(await conn.queue.get())
        if conn.slack:
            conn.slack -= 1
