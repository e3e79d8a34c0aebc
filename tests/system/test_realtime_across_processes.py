"""Two real API processes sharing PostgreSQL and Redis: a change made through A reaches B's /ws."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from websockets.asyncio.client import connect

from orderdesk.container import Container
from tests.conftest import PASSWORD, PG_URL, TEST_CHANNEL, UserFactory
from tests.factories import free_line, make_order_type
from tests.realtime.helpers import receive, receive_until

REDIS_URL = os.environ.get("ORDERDESK_TEST_REDIS_URL", "")
pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(
        not (PG_URL and REDIS_URL),
        reason="needs ORDERDESK_TEST_DATABASE_URL (PostgreSQL) and ORDERDESK_TEST_REDIS_URL",
    ),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def api_processes(database_url: str, container: Container, tmp_path: Path) -> Iterator[list[str]]:
    """Two uvicorn processes on 127.0.0.1 with the test database and Redis."""
    env = {
        **os.environ,
        "ORDERDESK_DATABASE_URL": database_url,
        "ORDERDESK_REDIS_URL": REDIS_URL,
        "ORDERDESK_REALTIME_CHANNEL": TEST_CHANNEL,
        "ORDERDESK_SECRET_KEYS": container.settings.secret_keys[0],
        "ORDERDESK_LOG_LEVEL": "WARNING",
    }
    ports = [free_port(), free_port()]
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "orderdesk.app:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=tmp_path,
        )  # fmt: skip
        for port in ports
    ]
    try:
        yield [f"127.0.0.1:{port}" for port in ports]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


async def wait_until_ready(address: str) -> None:
    async with httpx.AsyncClient(base_url=f"http://{address}") as http:
        for _ in range(150):
            try:
                if (await http.get("/health/live")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError(f"{address} did not start")


@pytest.fixture
async def ready(api_processes: list[str]) -> list[str]:
    await asyncio.gather(*(wait_until_ready(address) for address in api_processes))
    return api_processes


async def test_a_change_through_process_a_reaches_a_websocket_on_process_b(
    ready: list[str], container: Container, make_user: UserFactory
) -> None:
    await make_order_type(container)
    admin = await make_user("admin")
    a, b = ready
    async with httpx.AsyncClient(base_url=f"http://{a}") as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": admin.username, "password": PASSWORD}
        )
        token = login.json()["access_token"]
        async with connect(f"ws://{b}/ws?token={token}&topics=orders", open_timeout=5) as ws:
            assert (await receive(ws))["type"] == "welcome"
            assert (await receive(ws))["type"] == "subscribed"
            response = await http.post(
                "/api/v1/orders",
                json={"order_type": "request", "lines": [free_line()]},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert response.status_code == 201
            event = await receive_until(ws, "event", timeout=10)
            await ws.send(orjson.dumps({"type": "pong"}))
    assert event["event"] == "order.created"
    assert event["aggregate_id"] == str(response.json()["id"])
