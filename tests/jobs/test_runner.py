"""Jobs run once, retry with backoff, time out, cancel, and survive lost deliveries and workers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import update

from orderdesk.container import Container
from orderdesk.db.types import utcnow
from orderdesk.jobs import service
from orderdesk.jobs.models import Job
from orderdesk.jobs.queue import JobQueue
from tests.jobs.conftest import Enqueue, wait_for_job
from tests.jobs.kinds import effects


async def effect_count(container: Container, job_id: int) -> int:
    async with container.read_sessions() as session:
        return await effects(session, job_id)


async def test_a_queued_job_runs_once_and_records_its_result(
    container: Container, worker: JobQueue, enqueue: Enqueue
) -> None:
    job_id = await enqueue("test.effect")

    job = await wait_for_job(container, job_id)

    assert job["status"] == "succeeded"
    assert job["result"] == {"attempt": 1}
    assert job["attempts"] == 1
    assert job["finished_at"] is not None
    assert await effect_count(container, job_id) == 1


async def test_a_failing_job_is_retried_with_backoff_and_its_effect_lands_once(
    container: Container, worker: JobQueue, enqueue: Enqueue
) -> None:
    job_id = await enqueue("test.effect", params={"fail_attempts": 2})

    job = await wait_for_job(container, job_id)

    assert job["status"] == "succeeded"
    assert job["attempts"] == 3
    assert await effect_count(container, job_id) == 1  # failed attempts rolled back


async def test_a_job_failing_every_attempt_ends_failed_with_the_error(
    container: Container, worker: JobQueue, enqueue: Enqueue
) -> None:
    job_id = await enqueue("test.effect", params={"fail_attempts": 99}, max_attempts=2)

    job = await wait_for_job(container, job_id)

    assert job["status"] == "failed"
    assert job["attempts"] == 2
    assert "flaky failure on attempt 2" in job["error"]
    assert await effect_count(container, job_id) == 0


async def test_a_permanent_failure_is_not_retried(
    container: Container, worker: JobQueue, enqueue: Enqueue
) -> None:
    job_id = await enqueue("test.refuse")

    job = await wait_for_job(container, job_id)

    assert job["status"] == "failed"
    assert job["attempts"] == 1


async def test_a_job_over_its_time_limit_is_stopped_and_failed(
    container: Container, worker: JobQueue, enqueue: Enqueue
) -> None:
    job_id = await enqueue("test.slow")

    job = await wait_for_job(container, job_id, timeout=10)

    assert job["status"] == "failed"
    assert "timed out" in job["error"]


async def test_an_unknown_kind_fails_clearly(
    container: Container, worker: JobQueue, enqueue: Enqueue
) -> None:
    job_id = await enqueue("no.such.kind")

    job = await wait_for_job(container, job_id)

    assert job["status"] == "failed"
    assert "unknown job kind" in job["error"]


async def test_the_same_dedupe_key_gives_the_same_job(
    container: Container, enqueue: Enqueue
) -> None:
    first = await enqueue("system.noop", dedupe_key="report:2026-11-25")
    second = await enqueue("system.noop", dedupe_key="report:2026-11-25")

    assert first == second


async def test_a_rolled_back_enqueue_leaves_no_job_and_sends_nothing(
    container: Container, worker: JobQueue
) -> None:
    async with container.write_sessions() as session:
        job = await service.enqueue(session, kind="test.effect")
        job_id = job.id
        await session.rollback()
    await asyncio.sleep(0.5)

    async with container.read_sessions() as session:
        assert await session.get(Job, job_id) is None
        assert await effects(session, job_id) == 0


async def test_a_job_whose_delivery_was_lost_is_sent_again_by_the_sweeper(
    container: Container, enqueue: Enqueue
) -> None:
    job_id = await enqueue("test.effect")  # committed; no worker is listening yet
    async with container.write_sessions() as session:
        old = utcnow() - timedelta(hours=1)
        await session.execute(update(Job).where(Job.id == job_id).values(dispatched_at=old))
        await session.commit()

    stop = asyncio.Event()
    queue = (
        container.jobs
        if container.jobs.runner
        else Container.build(container.settings, run_jobs=True).jobs
    )
    task = asyncio.create_task(queue.work(stop))
    try:
        job = await wait_for_job(container, job_id)
    finally:
        stop.set()
        await task
    assert job["status"] == "succeeded"
    assert await effect_count(container, job_id) == 1


async def test_a_job_left_running_by_a_dead_worker_is_recovered_and_runs_once(
    container: Container, worker: JobQueue, enqueue: Enqueue
) -> None:
    job_id = await enqueue("system.noop", run_after=utcnow() + timedelta(hours=1))
    async with container.write_sessions() as session:
        gone = utcnow() - timedelta(minutes=5)
        await session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(
                status="running",
                worker_id="dead-host:1:x",
                heartbeat_at=gone,
                attempts=1,
                run_after=None,
            )
        )
        await session.commit()

    job = await wait_for_job(container, job_id, "succeeded", "failed")

    assert job["status"] == "succeeded"
    assert job["attempts"] == 2


async def test_the_scheduled_idempotency_cleanup_runs_as_a_job(
    container: Container, worker: JobQueue, enqueue: Enqueue
) -> None:
    job_id = await enqueue("cleanup.idempotency", params={"older_than_hours": 24})

    job = await wait_for_job(container, job_id)

    assert job["status"] == "succeeded"
    assert job["result"] == {"deleted": 0, "older_than_hours": 24}


async def test_the_scheduled_retention_cleanup_runs_as_a_job(
    container: Container, worker: JobQueue, enqueue: Enqueue
) -> None:
    job_id = await enqueue("cleanup.retention", params={"files_days": 3, "jobs_days": 30})

    job = await wait_for_job(container, job_id)

    assert job["status"] == "succeeded"
    assert job["result"]["files_days"] == 3
    assert job["result"]["jobs"] == 0
