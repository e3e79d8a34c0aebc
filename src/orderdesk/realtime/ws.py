"""The `/ws` endpoint: authenticate, subscribe to topics, receive permitted events live.

Protocol (JSON text frames):
- connect to `/ws?token=<access token>` (optional `topics=orders,items`, `last_event_id=N`,
  `lang=ru`), or connect to `/ws` and send `{"type": "auth", "token": ...}` (optionally with
  `topics` and `last_event_id`) within `ws_auth_timeout_seconds`. A bad token closes with 4401.
- `{"type": "subscribe", "topics": ["orders", "order:5"], "last_event_id": 120}` → `subscribed`;
  with `last_event_id`, missed events of those topics are replayed first, then `replayed`.
- `{"type": "unsubscribe", "topics": [...]}`, `{"type": "ping"}` → `pong`.
- The server sends `{"type": "ping"}` every `ws_heartbeat_seconds`; a client silent for two
  intervals is closed with 4408. Answer with `{"type": "pong"}` (any message counts).
- `{"type": "auth", "token": ...}` later renews an expiring token (same user); an expired token
  closes with 4401. A client that lags `ws_send_queue` messages behind is closed with 4409.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from datetime import timedelta
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from orderdesk.container import Container
from orderdesk.core.errors import AppError
from orderdesk.core.i18n import negotiate, t
from orderdesk.core.permissions import Principal
from orderdesk.db.types import utcnow
from orderdesk.realtime import messages as _messages  # noqa: F401  (registers the texts)
from orderdesk.realtime import repository as repo
from orderdesk.realtime.access import may_see, topic_allowed
from orderdesk.realtime.events import FAMILIES, Event
from orderdesk.realtime.hub import (
    CLOSE_TIMEOUT,
    CLOSE_UNAUTHORIZED,
    Connection,
    Hub,
    send_forever,
)

MAX_MESSAGE_CHARS = 8_192


def _dump(message: dict[str, Any]) -> str:
    return orjson.dumps(message).decode()


async def close(ws: WebSocket, code: int, reason_key: str, locale: str) -> None:
    """Close with a code and a translated reason (cut to the 123 bytes a close frame allows)."""
    reason = t(reason_key, locale).encode()[:123].decode(errors="ignore")
    with contextlib.suppress(Exception):
        await asyncio.wait_for(ws.close(code=code, reason=reason), timeout=2.0)


async def authenticate(container: Container, token: Any) -> tuple[Principal, float] | None:
    """The principal and the token's expiry (epoch seconds), or None for a bad token."""
    from orderdesk.auth.service import principal_from_token

    if not isinstance(token, str) or not token.strip():
        return None
    try:
        claims = container.tokens.decode_access(token.strip())
        async with container.read_sessions() as session:
            principal = await principal_from_token(
                session=session, tokens=container.tokens, token=token.strip()
            )
    except AppError:
        return None
    return principal, claims.expires_at.timestamp()


async def receive_data(ws: WebSocket) -> str | bytes:
    """The next text or binary frame's data; WebSocketDisconnect when the client left."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason"))
    data: str | bytes | None = message.get("text")
    return data if data is not None else (message.get("bytes") or b"")


async def _first_message(ws: WebSocket, timeout: float) -> dict[str, Any] | None:
    try:
        message = orjson.loads(await asyncio.wait_for(receive_data(ws), timeout=timeout))
    except (TimeoutError, orjson.JSONDecodeError, WebSocketDisconnect):
        return None
    return message if isinstance(message, dict) else None


def _topics_of(value: Any) -> list[str] | None:
    if isinstance(value, str):
        value = [part for part in value.split(",") if part]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value]
    return None


def _int_or_none(value: Any) -> int | None:
    with contextlib.suppress(TypeError, ValueError):
        return int(value) if value is not None else None
    return None


async def websocket_endpoint(ws: WebSocket) -> None:
    """Serve one WebSocket client until it leaves or is dropped."""
    container: Container = ws.app.state.container
    hub: Hub = ws.app.state.hub
    settings = container.settings
    params = ws.query_params
    locale = negotiate(params.get("lang") or ws.headers.get("accept-language"))
    await ws.accept()
    first: dict[str, Any] = {}
    token: Any = params.get("token")
    if not token:
        message = await _first_message(ws, settings.ws_auth_timeout_seconds)
        if message is None:
            await close(ws, CLOSE_TIMEOUT, "ws.auth_timeout", locale)
            return
        first, token = message, message.get("token") if message.get("type") == "auth" else None
    auth = await authenticate(container, token)
    if auth is None:
        await close(ws, CLOSE_UNAUTHORIZED, "ws.token_invalid", locale)
        return
    await Session(ws, hub, container, auth, locale).run(
        topics=_topics_of(first.get("topics", params.get("topics", ""))) or [],
        last_event_id=_int_or_none(first.get("last_event_id", params.get("last_event_id"))),
    )


class Session:
    """One connected client: its receive loop, its sender task, its subscriptions."""

    def __init__(
        self,
        ws: WebSocket,
        hub: Hub,
        container: Container,
        auth: tuple[Principal, float],
        locale: str,
    ) -> None:
        self.ws, self.hub, self.container, self.locale = ws, hub, container, locale
        self.settings = container.settings
        self._killed: asyncio.Future[tuple[int, str]] = asyncio.get_running_loop().create_future()
        self.conn = Connection.open(
            auth[0],
            locale=locale,
            queue_limit=self.settings.ws_send_queue,
            expires_at=auth[1],
            on_kill=self._on_kill,
        )

    def _on_kill(self, code: int, reason_key: str) -> None:
        self.hub.remove(self.conn)  # no more fan-out to it while the close frame goes out
        if not self._killed.done():
            self._killed.set_result((code, reason_key))

    async def run(self, *, topics: list[str], last_event_id: int | None) -> None:
        """Greet, apply the initial subscription, then serve until either side ends."""
        principal = self.conn.principal
        self.hub.add(self.conn)
        try:
            welcome = {
                "type": "welcome",
                "user_id": principal.user_id,
                "role": principal.role.value,
                "heartbeat_seconds": self.settings.ws_heartbeat_seconds,
            }
            self.conn.offer(_dump(welcome), bounded=False)
            if topics:
                await self.subscribe(topics, last_event_id)
            await self._serve()
        finally:
            self.hub.remove(self.conn)

    async def _serve(self) -> None:
        sender = asyncio.create_task(send_forever(self.conn, self.ws.send_text))
        receiver = asyncio.create_task(self._receive_forever())
        try:
            waiting: set[asyncio.Future[Any]] = {sender, receiver, self._killed}
            await asyncio.wait(waiting, return_when="FIRST_COMPLETED")
        finally:
            for task in (sender, receiver):
                task.cancel()
            await asyncio.gather(sender, receiver, return_exceptions=True)
        if self._killed.done():
            code, reason_key = self._killed.result()
            await close(self.ws, code, reason_key, self.locale)

    async def _receive_forever(self) -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                data = await receive_data(self.ws)
                self.conn.last_seen = time.monotonic()
                await self._handle(data)

    async def _handle(self, data: str | bytes) -> None:
        message: Any = None
        if len(data) <= MAX_MESSAGE_CHARS:
            with contextlib.suppress(orjson.JSONDecodeError):
                message = orjson.loads(data)
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            self.conn.offer(_dump({"type": "pong"}))
        elif kind == "pong":
            return
        elif kind in ("subscribe", "unsubscribe") and _topics_of(message.get("topics")):
            topics = _topics_of(message.get("topics")) or []
            if kind == "subscribe":
                await self.subscribe(topics, _int_or_none(message.get("last_event_id")))
            else:
                self.hub.unsubscribe(self.conn, topics)
                self._reply_topics("unsubscribed")
        elif kind == "auth":
            await self.renew(message.get("token"))
        else:
            self._error("bad_message", "ws.bad_message")

    def _error(self, code: str, key: str, **params: Any) -> None:
        detail = t(key, self.locale, **params)
        self.conn.offer(_dump({"type": "error", "code": code, "detail": detail}))

    def _reply_topics(self, kind: str) -> None:
        self.conn.offer(_dump({"type": kind, "topics": sorted(self.conn.topics)}))

    async def subscribe(self, topics: list[str], last_event_id: int | None) -> None:
        """Check and add topics; with `last_event_id`, replay what they missed first."""
        denied = [topic for topic in topics if not topic_allowed(self.conn.principal, topic)]
        if denied:
            self._error("topic_forbidden", "ws.topic_forbidden", topic=denied[0])
            return
        limit = self.settings.ws_max_topics
        if len(self.conn.topics | set(topics)) > limit:
            self._error("too_many_topics", "ws.too_many_topics", limit=limit)
            return
        if last_event_id is not None:
            self.conn.buffer = []  # live events wait until the replay is queued
        self.hub.subscribe(self.conn, topics)
        self._reply_topics("subscribed")
        if last_event_id is not None:
            await self.replay(set(topics), last_event_id)

    async def replay(self, topics: set[str], after_id: int) -> None:
        """Queue the permitted events of `topics` after `after_id`, within the replay window."""
        limit, settings = self.settings.ws_replay_limit, self.settings
        try:
            async with self.container.read_sessions() as session:
                rows = await repo.events_after(
                    session,
                    after_id=after_id,
                    since=utcnow() - timedelta(minutes=settings.ws_replay_minutes),
                    aggregate_types=_aggregate_types(topics),
                    limit=limit * 4,
                )
            found = [e for e in map(Event.from_row, rows) if self._wanted(e, topics)]
            events = found[:limit]
            for event in events:
                self.conn.offer(event.client_message(), bounded=False)
            self.conn.replayed = {event.event_id for event in events}
            done = {
                "type": "replayed",
                "count": len(events),
                "truncated": len(found) > limit or len(rows) == limit * 4,
                "last_event_id": events[-1].id if events else after_id,
            }
            self.conn.offer(_dump(done), bounded=False)
        finally:
            held, self.conn.buffer = self.conn.buffer or [], None
            for event, text in held:
                self.conn.deliver(event, text)

    def _wanted(self, event: Event, topics: set[str]) -> bool:
        return bool(topics.intersection(event.topics)) and may_see(self.conn.principal, event)

    async def renew(self, token: Any) -> None:
        """Accept a fresh access token of the same user; a bad one ends the connection."""
        auth = await authenticate(self.container, token)
        if auth is None:
            self.conn.kill(CLOSE_UNAUTHORIZED, "ws.token_invalid")
        elif auth[0].user_id != self.conn.principal.user_id:
            self.conn.kill(CLOSE_UNAUTHORIZED, "ws.user_changed")
        else:
            self.conn.principal, self.conn.expires_at = auth
            self.conn.offer(_dump({"type": "renewed"}))


def _aggregate_types(topics: set[str]) -> list[str]:
    """The outbox aggregate types the topics cover."""
    types: set[str] = set()
    for topic in topics:
        family, sep, _ = topic.partition(":")
        if sep:
            types.add(family)
        else:
            types.update(kind for kind, fam in FAMILIES.items() if fam == family)
    return sorted(types)
