"""/ws over real sockets: authentication, permission filtering, heartbeats, slow clients, replay."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.core.i18n import t
from orderdesk.realtime.events import Event
from tests.conftest import PASSWORD, UserFactory
from tests.factories import free_line, make_order_type, make_unit
from tests.realtime.helpers import (
    LiveServer,
    events_until_quiet,
    live_server,
    open_ws,
    receive,
    receive_until,
)


async def token_for(server: LiveServer, user: User) -> str:
    async with httpx.AsyncClient(base_url=server.http) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"username": user.username, "password": PASSWORD}
        )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def create_order(server: LiveServer, token: str, **fields: Any) -> dict[str, Any]:
    body = {"order_type": "request", "lines": [free_line()], **fields}
    async with httpx.AsyncClient(base_url=server.http) as http:
        response = await http.post(
            "/api/v1/orders", json=body, headers={"Authorization": f"Bearer {token}"}
        )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def close_code(ws: ClientConnection, timeout: float = 5.0) -> tuple[int, str]:
    """Read until the server closes; the close code and reason."""

    async def read_all() -> None:
        while True:
            await ws.recv()

    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(read_all(), timeout)
    assert ws.close_code is not None
    return ws.close_code, ws.close_reason or ""


async def test_a_bad_token_closes_with_4401_and_a_translated_reason(
    database_url: str, container: Container
) -> None:
    async with live_server(database_url) as server:
        ws = await connect(server.ws_url(token="not-a-token", lang="ru"))
        assert await close_code(ws) == (4401, t("ws.token_invalid", "ru"))


async def test_no_token_in_time_closes_with_4408(database_url: str, container: Container) -> None:
    async with live_server(database_url, ws_auth_timeout_seconds=0.3) as server:
        ws = await connect(server.ws_url())
        assert (await close_code(ws))[0] == 4408


async def test_a_token_in_the_first_message_authenticates_and_subscribes(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    async with live_server(database_url) as server:
        token = await token_for(server, admin)
        async with connect(server.ws_url()) as ws:
            await ws.send(orjson.dumps({"type": "auth", "token": token, "topics": ["orders"]}))
            welcome = await receive(ws)
            assert (welcome["type"], welcome["user_id"]) == ("welcome", admin.id)
            assert (await receive(ws)) == {"type": "subscribed", "topics": ["orders"]}


async def test_each_subscriber_hears_only_the_orders_the_rest_api_shows_them(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    await make_order_type(container)
    north, south = await make_unit(container), await make_unit(container, "south", "Южный")
    admin, alice, bob = await make_user("admin"), await make_user(), await make_user()
    staff_north = await make_user("staff", unit_id=north["id"])
    staff_south = await make_user("staff", unit_id=south["id"])
    users = {"admin": admin, "alice": alice, "bob": bob, "north": staff_north,
             "south": staff_south}  # fmt: skip
    async with live_server(database_url) as server:
        tokens = {name: await token_for(server, user) for name, user in users.items()}
        sockets = {
            name: await open_ws(server, token, topics="orders") for name, token in tokens.items()
        }
        for ws in sockets.values():
            assert (await receive(ws))["type"] == "subscribed"
        order = await create_order(
            server, tokens["admin"], customer_id=alice.id, unit_id=north["id"]
        )
        heard = {name: await events_until_quiet(ws) for name, ws in sockets.items()}
        for ws in sockets.values():
            await ws.close()
    for name in ("admin", "alice", "north"):
        assert [(e["event"], e["aggregate_id"]) for e in heard[name]] == [
            ("order.created", str(order["id"]))
        ], name
        assert "customer_id" not in heard[name][0]
    assert heard["bob"] == []
    assert heard["south"] == []


async def test_one_order_topic_hears_that_order_until_unsubscribed(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    await make_order_type(container)
    admin = await make_user("admin")
    async with live_server(database_url) as server:
        token = await token_for(server, admin)
        first = await create_order(server, token)
        async with await open_ws(server, token) as ws:
            await ws.send(orjson.dumps({"type": "subscribe", "topics": [f"order:{first['id']}"]}))
            await receive_until(ws, "subscribed")
            other = await create_order(server, token)
            async with httpx.AsyncClient(base_url=server.http) as http:
                response = await http.patch(
                    f"/api/v1/orders/{first['id']}",
                    json={"note": "позвонить"},
                    headers={"Authorization": f"Bearer {token}"},
                )
            assert response.status_code == 200
            await receive_until(ws, "event", event="order.updated", aggregate_id=str(first["id"]))
            await ws.send(orjson.dumps({"type": "unsubscribe", "topics": [f"order:{first['id']}"]}))
            tail = [m async for m in _until(ws, "unsubscribed")]
            assert tail[-1]["topics"] == []
            assert str(other["id"]) not in {m.get("aggregate_id") for m in tail}


async def _until(ws: ClientConnection, kind: str) -> AsyncIterator[dict[str, Any]]:
    while True:
        message = await receive(ws)
        yield message
        if message["type"] == kind:
            return


async def test_a_forbidden_topic_and_a_bad_message_get_translated_errors(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    alice = await make_user()
    async with live_server(database_url) as server:
        token = await token_for(server, alice)
        async with await open_ws(server, token, lang="ru") as ws:
            await ws.send(orjson.dumps({"type": "subscribe", "topics": ["users"]}))
            error = await receive(ws)
            assert error["code"] == "topic_forbidden"
            assert error["detail"] == t("ws.topic_forbidden", "ru", topic="users")
            await ws.send("not json")
            assert (await receive(ws))["code"] == "bad_message"
            await ws.send(orjson.dumps({"type": "ping"}))
            assert (await receive(ws)) == {"type": "pong"}


async def test_a_silent_client_is_dropped_and_a_ponging_one_stays(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    async with live_server(database_url, ws_heartbeat_seconds=0.2) as server:
        token = await token_for(server, admin)
        silent, polite = await open_ws(server, token), await open_ws(server, token)

        async def answer_pings() -> None:
            async for raw in polite:
                if orjson.loads(raw)["type"] == "ping":
                    await polite.send(orjson.dumps({"type": "pong"}))

        answering = asyncio.create_task(answer_pings())
        assert (await close_code(silent))[0] == 4408
        await asyncio.sleep(0.5)
        assert not answering.done()
        answering.cancel()
        await polite.close()


def big_event(n: int) -> Event:
    return Event(id=n, event_id=f"big-{n}", type="order.updated", aggregate_type="order",
                 aggregate_id="1", payload={"blob": "x" * 65_536})  # fmt: skip


async def never_reading_client(server: LiveServer, token: str) -> socket.socket:
    """A WebSocket client that completes the handshake and then never reads a byte."""
    sock = socket.socket()
    # A small receive buffer turns off the kernel's autotuning (up to 32 MB here).
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    loop = asyncio.get_running_loop()
    await loop.sock_connect(sock, ("127.0.0.1", server.port))
    request = (
        f"GET /ws?token={token}&topics=orders HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    await loop.sock_sendall(sock, request.encode())
    return sock


async def test_a_slow_client_is_dropped_without_slowing_the_others(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    async with live_server(database_url, ws_send_queue=20) as server:
        token = await token_for(server, admin)
        fast = await open_ws(server, token, topics="orders")
        slow = await never_reading_client(server, token)
        hub = server.app.state.hub
        for _ in range(100):
            if len(hub.connections) == 2:
                break
            await asyncio.sleep(0.02)
        received = 0

        async def read_fast() -> None:
            nonlocal received
            async for raw in fast:
                received += orjson.loads(raw)["type"] == "event"

        reader = asyncio.create_task(read_fast())
        for n in range(1, 201):  # ~13 MB: far more than the idle socket's buffers hold
            await server.container.bus.publish([big_event(n)])
            await asyncio.sleep(0.005)
        for _ in range(200):
            if received == 200:
                break
            await asyncio.sleep(0.05)
        assert received == 200
        assert len(hub.connections) == 1  # the slow one was dropped
        reader.cancel()
        await fast.close()
        slow.close()


async def test_reconnecting_with_last_event_id_replays_what_was_missed(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    await make_order_type(container)
    admin, alice, bob = await make_user("admin"), await make_user(), await make_user()
    async with live_server(database_url) as server:
        admin_token, alice_token = await token_for(server, admin), await token_for(server, alice)
        async with await open_ws(server, alice_token, topics="orders") as ws:
            await create_order(server, admin_token, customer_id=alice.id)
            seen = await receive_until(ws, "event")
        missed = [await create_order(server, admin_token, customer_id=alice.id) for _ in range(2)]
        await create_order(server, admin_token, customer_id=bob.id)
        async with await open_ws(
            server, alice_token, topics="orders", last_event_id=seen["id"]
        ) as ws:
            await receive_until(ws, "subscribed")
            replayed = [await receive(ws) for _ in range(3)]
        async with await open_ws(
            server, alice_token, topics="orders", last_event_id=seen["id"]
        ) as ws:
            await ws.send(orjson.dumps({"type": "pong"}))
        await asyncio.sleep(0)
    assert [m.get("aggregate_id") for m in replayed[:2]] == [str(o["id"]) for o in missed]
    assert replayed[2]["type"] == "replayed"
    assert replayed[2]["count"] == 2
    assert replayed[2]["truncated"] is False


async def test_replay_is_bounded_and_says_so(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    await make_order_type(container)
    admin = await make_user("admin")
    async with live_server(database_url, ws_replay_limit=1) as server:
        token = await token_for(server, admin)
        for _ in range(3):
            await create_order(server, token)
        async with await open_ws(server, token, topics="orders", last_event_id=0) as ws:
            await receive_until(ws, "subscribed")
            first, done = await receive(ws), await receive_until(ws, "replayed")
    assert first["type"] == "event"
    assert (done["count"], done["truncated"]) == (1, True)


async def test_logging_out_closes_that_sessions_websocket_at_once(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    admin = await make_user("admin")
    async with live_server(database_url) as server:
        ending, staying = await token_for(server, admin), await token_for(server, admin)
        gone = await open_ws(server, ending, topics="orders")
        kept = await open_ws(server, staying, topics="orders")
        async with httpx.AsyncClient(base_url=server.http) as http:
            out = await http.post(
                "/api/v1/auth/logout", headers={"Authorization": f"Bearer {ending}"}
            )
        assert out.status_code == 204, out.text

        assert await close_code(gone) == (4401, t("ws.session_ended", "en"))
        await kept.send(orjson.dumps({"type": "ping"}))
        assert (await receive_until(kept, "pong"))["type"] == "pong"  # the other login stays
        await kept.close()


async def test_blocking_a_user_closes_all_their_websockets(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    admin, customer = await make_user("admin"), await make_user()
    async with live_server(database_url) as server:
        admin_token, token = await token_for(server, admin), await token_for(server, customer)
        sockets = [await open_ws(server, token, topics="orders") for _ in range(2)]
        async with httpx.AsyncClient(base_url=server.http) as http:
            user = await http.get(
                f"/api/v1/users/{customer.id}", headers={"Authorization": f"Bearer {admin_token}"}
            )
            blocked = await http.patch(
                f"/api/v1/users/{customer.id}",
                json={"status": "blocked"},
                headers={
                    "Authorization": f"Bearer {admin_token}",
                    "If-Match": user.headers["etag"],
                },
            )
        assert blocked.status_code == 200, blocked.text
        for ws in sockets:
            assert (await close_code(ws))[0] == 4401


async def test_a_running_jobs_progress_reaches_its_requester_live(
    database_url: str, container: Container, make_user: UserFactory
) -> None:
    from orderdesk.jobs import service as jobs
    from orderdesk.jobs.registry import load_modules

    load_modules(["tests.jobs.kinds"])
    admin = await make_user("admin")
    async with live_server(database_url, jobs_in_process=True) as server:
        token = await token_for(server, admin)
        ws = await open_ws(server, token, topics="jobs")
        async with server.container.write_sessions() as session:
            job = await jobs.enqueue(
                session, kind="test.effect", params={"steps": 3, "step_seconds": 0.05},
                actor_id=admin.id,
            )  # fmt: skip
            await session.commit()
        # the server runs jobs itself (embedded shape)
        progress = [
            await receive_until(ws, "event", event="job.progress", aggregate_id=str(job.id))
            for _ in range(3)
        ]
        await ws.close()
    assert [p["payload"]["done"] for p in progress] == [1, 2, 3]
    assert {p["payload"]["total"] for p in progress} == {3}
