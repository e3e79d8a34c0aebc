"""The jobs API: who sees which job, live progress, cancellation."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx

from orderdesk.container import Container
from orderdesk.db.types import utcnow
from orderdesk.jobs.queue import JobQueue
from tests.conftest import LoginFactory, UserFactory
from tests.jobs.conftest import Enqueue, wait_for_job
from tests.jobs.kinds import effects

LATER = timedelta(hours=1)


async def test_customers_see_only_their_own_jobs_and_admins_see_all(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory, enqueue: Enqueue
) -> None:
    anna, boris = await make_user("customer"), await make_user("customer")
    admin = await make_user("admin")
    annas = await enqueue("system.noop", actor_id=anna.id, run_after=utcnow() + LATER)
    boriss = await enqueue("system.noop", actor_id=boris.id, run_after=utcnow() + LATER)

    as_anna = await client.get("/api/v1/jobs", headers=await login(anna))
    as_admin = await client.get("/api/v1/jobs", headers=await login(admin))
    foreign = await client.get(f"/api/v1/jobs/{boriss}", headers=await login(anna))

    assert [job["id"] for job in as_anna.json()["items"]] == [annas]
    assert {job["id"] for job in as_admin.json()["items"]} == {annas, boriss}
    assert foreign.status_code == 404
    assert foreign.headers["content-type"] == "application/problem+json"


async def test_jobs_need_a_login(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/jobs")).status_code == 401


async def test_list_filters_by_status_and_kind(
    client: httpx.AsyncClient, admin_headers: dict[str, str], enqueue: Enqueue
) -> None:
    await enqueue("system.noop", run_after=utcnow() + LATER)
    await enqueue("test.effect", run_after=utcnow() + LATER)

    by_kind = await client.get("/api/v1/jobs?kind=test.effect", headers=admin_headers)
    by_status = await client.get("/api/v1/jobs?status=running", headers=admin_headers)
    bad = await client.get("/api/v1/jobs?status=exploded", headers=admin_headers)

    assert [job["kind"] for job in by_kind.json()["items"]] == ["test.effect"]
    assert by_status.json()["items"] == []
    assert bad.status_code == 422


async def test_a_running_job_shows_its_progress(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    worker: JobQueue,
    enqueue: Enqueue,
) -> None:
    job_id = await enqueue("test.effect", params={"steps": 40, "step_seconds": 0.05})

    seen: set[int] = set()
    for _ in range(200):
        body = (await client.get(f"/api/v1/jobs/{job_id}", headers=admin_headers)).json()
        if body["status"] == "running" and body["progress_done"]:
            seen.add(body["progress_done"])
            assert body["progress_total"] == 40
        if body["status"] == "succeeded":
            break
        await asyncio.sleep(0.02)

    assert body["status"] == "succeeded"
    assert body["progress_done"] == 40
    assert len(seen - {0}) >= 2  # progress moved while it ran


async def test_cancelling_a_queued_job_cancels_it_at_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str], enqueue: Enqueue
) -> None:
    job_id = await enqueue("test.effect", run_after=utcnow() + LATER)

    response = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=admin_headers)

    assert response.status_code == 202
    assert response.json()["status"] == "cancelled"
    again = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=admin_headers)
    assert again.status_code == 409


async def test_cancelling_a_running_job_stops_it_and_rolls_its_effect_back(
    client: httpx.AsyncClient,
    admin_headers: dict[str, str],
    container: Container,
    worker: JobQueue,
    enqueue: Enqueue,
) -> None:
    job_id = await enqueue("test.effect", params={"steps": 200, "step_seconds": 0.05})
    await wait_for_job(container, job_id, "running")

    response = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=admin_headers)

    assert response.status_code == 202
    job = await wait_for_job(container, job_id)
    assert job["status"] == "cancelled"
    async with container.read_sessions() as session:
        assert await effects(session, job_id) == 0


async def test_a_customer_cannot_cancel_someone_elses_job(
    client: httpx.AsyncClient, make_user: UserFactory, login: LoginFactory, enqueue: Enqueue
) -> None:
    owner, other = await make_user("customer"), await make_user("customer")
    job_id = await enqueue("system.noop", actor_id=owner.id, run_after=utcnow() + LATER)

    response = await client.post(f"/api/v1/jobs/{job_id}/cancel", headers=await login(other))

    assert response.status_code == 404
