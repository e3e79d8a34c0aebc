"""Helpers for outbox, bus and WebSocket tests: a recording consumer, relays, a live server."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import uvicorn
from websockets.asyncio.client import ClientConnection, connect

from orderdesk.app import create_app
from orderdesk.container import Container
from orderdesk.realtime.bus import EventBus
from orderdesk.realtime.events import Event
from orderdesk.realtime.relay import OutboxRelay
from tests.conftest import make_settings


class Recorder:
    """A bus consumer that keeps every event it hears."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def __call__(self, events: Sequence[Event]) -> None:
        self.events.extend(events)

    def types(self, aggregate_id: int | None = None) -> list[str]:
        return [
            e.type
            for e in self.events
            if aggregate_id is None or e.aggregate_id == str(aggregate_id)
        ]


def relay_for(container: Container, bus: EventBus, **options: Any) -> OutboxRelay:
    """A relay over the test database publishing to `bus` (a new process, as far as it knows)."""
    return OutboxRelay(
        read_sessions=container.read_sessions,
        write_sessions=container.write_sessions,
        bus=bus,
        **options,
    )


async def published(container: Container, **options: Any) -> Recorder:
    """Drain the outbox through a fresh in-process bus and return what it heard."""
    bus, recorder = EventBus(), Recorder()
    bus.subscribe(recorder)
    await relay_for(container, bus, **options).drain()
    return recorder


@dataclass
class LiveServer:
    container: Container
    port: int
    app: Any

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ws_url(self, **params: Any) -> str:
        query = "&".join(f"{key}={value}" for key, value in params.items())
        return f"ws://127.0.0.1:{self.port}/ws" + (f"?{query}" if query else "")


@contextlib.asynccontextmanager
async def live_server(database_url: str, **overrides: Any) -> AsyncIterator[LiveServer]:
    """A real uvicorn server on 127.0.0.1 in this event loop, with its own container."""
    overrides.setdefault("realtime_poll_seconds", 0.2)
    container = Container.build(make_settings(database_url, **overrides))
    app = create_app(container=container)
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(1200):  # up to 30 s: a busy shared machine starts slowly
        if server.started or task.done():
            break
        await asyncio.sleep(0.025)
    if not server.started:
        server.should_exit = True
        raise RuntimeError("the live server did not start") from (
            task.exception() if task.done() else None
        )
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(container, port, app)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, timeout=10)


async def receive(ws: ClientConnection, timeout: float = 5.0) -> dict[str, Any]:
    """The next JSON message."""
    message = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=timeout))
    assert isinstance(message, dict)
    return message


async def receive_until(
    ws: ClientConnection, kind: str, timeout: float = 5.0, **match: Any
) -> dict[str, Any]:
    """Skip messages (pings, other events) until one of `kind` matching `match` arrives."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await receive(ws, max(0.01, deadline - loop.time()))
        if message.get("type") == kind and all(message.get(k) == v for k, v in match.items()):
            return message


async def events_until_quiet(ws: ClientConnection, quiet: float = 0.5) -> list[dict[str, Any]]:
    """Every event that arrives until nothing has come for `quiet` seconds."""
    found = []
    with contextlib.suppress(TimeoutError):
        while True:
            message = await receive(ws, quiet)
            if message.get("type") == "event":
                found.append(message)
    return found


async def open_ws(server: LiveServer, token: str, **params: Any) -> ClientConnection:
    """Connect with a token in the query and read the welcome."""
    ws = await connect(server.ws_url(token=token, **params), open_timeout=5)
    assert (await receive(ws))["type"] == "welcome"
    return ws
