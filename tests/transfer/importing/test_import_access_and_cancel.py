"""Who may import what, and cancelling an import half-way commits nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import func, select

from orderdesk.catalog.models import Item
from orderdesk.container import Container
from orderdesk.transfer.importing import jobs as import_jobs
from tests.conftest import LoginFactory, UserFactory
from tests.factories import make_item_type, make_order_type, make_unit
from tests.jobs.conftest import wait_for_job
from tests.transfer.importing.helpers import upload

pytestmark = pytest.mark.usefixtures("worker")
ROWS = [["SKU", "Name"], ["R-1", "Роза"]]


async def test_a_customer_cannot_upload_or_see_imports(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory
) -> None:
    customer = await login(await make_user("customer"))

    uploaded = await upload(client, customer, ROWS)
    listed = await client.get("/api/v1/imports", headers=customer)

    assert uploaded.status_code == 403
    assert listed.status_code == 403


async def test_staff_may_import_orders_but_not_items_or_users(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
) -> None:
    north = await make_unit(container)
    await make_item_type(container, "flower")
    await make_order_type(container, "request")
    staff = await login(await make_user("staff", unit_id=north["id"]))
    uploaded = await upload(client, staff, [["№ заказа", "Наименование", "Цена"], ["1", "x", "1"]])
    url = f"/api/v1/imports/{uploaded.json()['id']}/preview"

    items = await client.post(url, json={"target": "items", "type": "flower"}, headers=staff)
    users = await client.post(url, json={"target": "users"}, headers=staff)
    orders = await client.post(url, json={"target": "orders", "type": "request"}, headers=staff)

    assert items.status_code == 403
    assert users.status_code == 403
    assert orders.status_code == 200, orders.text


async def test_staff_see_only_their_own_imports(
    client: httpx.AsyncClient,
    container: Container,
    make_user: UserFactory,
    login: LoginFactory,
    admin_headers: dict[str, str],
) -> None:
    north = await make_unit(container)
    staff = await login(await make_user("staff", unit_id=north["id"]))
    other = await login(await make_user("staff", unit_id=north["id"]))
    mine = await upload(client, admin_headers, ROWS)

    seen = await client.get(f"/api/v1/imports/{mine.json()['id']}", headers=staff)
    listed = await client.get("/api/v1/imports", headers=other)

    assert seen.status_code == 404
    assert listed.json()["items"] == []


@pytest.fixture
async def slow_chunks() -> AsyncIterator[asyncio.Event]:
    """Hold an import after its first chunk (until cancelled), and say when it got there."""
    started = asyncio.Event()

    async def hook(done: int) -> None:
        started.set()
        await asyncio.sleep(30)

    import_jobs.CHUNK_HOOKS.append(hook)
    yield started
    import_jobs.CHUNK_HOOKS.remove(hook)


async def test_cancelling_a_running_import_leaves_nothing_committed(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    slow_chunks: asyncio.Event,
) -> None:
    await make_item_type(container, "flower")
    rows = [["SKU", "Name"], *[[f"R-{n}", f"Роза {n}"] for n in range(200)]]
    uploaded = await upload(client, admin_headers, rows)
    import_id = uploaded.json()["id"]
    committed = await client.post(
        f"/api/v1/imports/{import_id}/commit",
        json={"target": "items", "type": "flower"},
        headers=admin_headers,
    )
    assert committed.status_code == 202
    job_id = committed.json()["job_id"]
    await wait_for_job(container, job_id, "running")
    await asyncio.wait_for(slow_chunks.wait(), 20)

    cancelled = await client.post(f"/api/v1/imports/{import_id}/cancel", headers=admin_headers)

    assert cancelled.status_code == 202, cancelled.text
    job = await wait_for_job(container, job_id)
    assert job["status"] == "cancelled"
    final = await client.get(f"/api/v1/imports/{import_id}", headers=admin_headers)
    assert final.json()["status"] == "cancelled"
    async with container.read_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Item)) == 0
