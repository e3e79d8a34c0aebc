"""Three uvicorn API processes on one database and one Redis share the login rate limits."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from orderdesk.backends import build_backends
from orderdesk.container import Container
from tests.conftest import REDIS_URL, make_settings
from tests.system.conftest import Spawn, free_port, wait_until

pytestmark = [
    pytest.mark.system,
    pytest.mark.skipif(
        not REDIS_URL,
        reason="limits shared by several processes need Redis: set ORDERDESK_TEST_REDIS_URL",
    ),
]
PER_USERNAME = 5
PER_ADDRESS = 12
ATTEMPTS = 36
LOGIN = "/api/v1/auth/login"


@pytest.fixture(scope="module")
async def namespace(database_url: str) -> AsyncIterator[str]:
    """A Redis namespace of this test only, emptied afterwards."""
    name = f"system-{uuid.uuid4().hex[:10]}"
    yield name
    backends = build_backends(make_settings(database_url, redis_namespace=name))
    await backends.reset()
    await backends.close()


@pytest.fixture(scope="module")
def api_ports(
    container: Container, database_url: str, namespace: str, spawn_for_module: Spawn
) -> list[int]:
    """Three API processes (real uvicorn), ready to serve; stopped at the module's end."""
    ports = [free_port() for _ in range(3)]
    env = {
        "ORDERDESK_DATABASE_URL": database_url,
        "ORDERDESK_REDIS_URL": REDIS_URL or "",
        "ORDERDESK_REDIS_NAMESPACE": namespace,
        "ORDERDESK_SECRET_KEYS": "test-secret-key-that-is-long-enough-0123456789",
        "ORDERDESK_LOGIN_RATE_PER_USERNAME": f"{PER_USERNAME}/minute",
        "ORDERDESK_LOGIN_RATE_PER_IP": f"{PER_ADDRESS}/minute",
        "ORDERDESK_LOG_LEVEL": "WARNING",
    }
    processes = [
        spawn_for_module(
            [
                "uvicorn",
                "orderdesk.app:create_app",
                "--factory",
                "--host=127.0.0.1",
                f"--port={port}",
                "--proxy-headers",
                "--forwarded-allow-ips=127.0.0.1",
                "--no-access-log",
            ],
            env,
        )
        for port in ports
    ]
    for port, process in zip(ports, processes, strict=True):
        wait_until(lambda p=port, pr=process: _ready(p, pr), 60, f"the API on port {port}")
    return ports


def _ready(port: int, process: object) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


async def hammer(ports: list[int], attempts: Iterator[tuple[str, str]]) -> list[int]:
    """Send the attempts (forwarded address, username) round-robin over the ports, concurrently."""
    async with httpx.AsyncClient(timeout=30) as http:

        async def one(port: int, ip: str, username: str) -> int:
            response = await http.post(
                f"http://127.0.0.1:{port}{LOGIN}",
                json={"username": username, "password": "wrong-password"},
                headers={"X-Forwarded-For": ip},
            )
            return response.status_code

        return await asyncio.gather(
            *(one(port, ip, user) for port, (ip, user) in zip(itertools.cycle(ports), attempts))
        )


async def test_username_limit_holds_across_three_api_processes(api_ports: list[int]) -> None:
    attempts = ((f"10.1.0.{n}", "ivan") for n in range(ATTEMPTS))
    statuses = await hammer(api_ports, attempts)
    assert statuses.count(401) == PER_USERNAME  # wrong password: checked, then refused
    assert statuses.count(429) == ATTEMPTS - PER_USERNAME


async def test_address_limit_holds_across_three_api_processes(api_ports: list[int]) -> None:
    attempts = (("10.2.0.1", f"guess{n}") for n in range(ATTEMPTS))
    statuses = await hammer(api_ports, attempts)
    assert statuses.count(401) == PER_ADDRESS
    assert statuses.count(429) == ATTEMPTS - PER_ADDRESS
