"""Deliveries are claimed in batches; jobs without a database effect are marked done in batches."""

from __future__ import annotations

import asyncio

import pytest
import redis.asyncio as redis
from sqlalchemy import func, select

from orderdesk.container import Container
from orderdesk.db.types import utcnow
from orderdesk.jobs import repository as repo
from orderdesk.jobs import service
from orderdesk.jobs.queue import JobQueue
from orderdesk.realtime.models import OutboxEvent
from tests.conftest import REDIS_URL
from tests.jobs import kinds
from tests.jobs.conftest import wait_for_job


async def enqueue_many(container: Container, count: int, kind: str = "test.count") -> list[int]:
    async with container.write_sessions() as session:
        ids = await service.enqueue_many(
            session, kind=kind, params=[{"n": n, "seconds": 0.05} for n in range(count)]
        )
        await session.commit()
    return list(ids)


async def test_many_jobs_without_a_database_effect_each_record_result_progress_and_one_event(
    container: Container, worker: JobQueue
) -> None:
    ids = await enqueue_many(container, 40)

    jobs = [await wait_for_job(container, job_id) for job_id in ids]

    assert {job["status"] for job in jobs} == {"succeeded"}
    assert [job["result"] for job in jobs] == [{"n": n} for n in range(40)]
    assert {(job["progress_done"], job["progress_total"]) for job in jobs} == {(3, 3)}
    assert {str(job["counts"]) for job in jobs} == {str({"seen": 3})}
    async with container.read_sessions() as session:
        events = await session.scalar(
            select(func.count()).where(
                OutboxEvent.type == "job.succeeded",
                OutboxEvent.aggregate_id.in_([str(job_id) for job_id in ids]),
            )
        )
    assert events == 40


async def test_a_worker_never_runs_more_jobs_at_once_than_its_concurrency(
    container: Container, worker: JobQueue
) -> None:
    assert worker.runner is not None
    worker.runner.capacity = 4
    kinds.RUNNING.update(now=0, peak=0)
    ids = await enqueue_many(container, 30)

    for job_id in ids:
        assert (await wait_for_job(container, job_id))["status"] == "succeeded"

    assert 1 < kinds.RUNNING["peak"] <= 4


async def test_a_batch_finish_skips_a_job_another_worker_has_taken_over(
    container: Container,
) -> None:
    (job_id,) = await enqueue_many(container, 1)
    now = utcnow()
    async with container.write_sessions() as session:
        claimed = await repo.claim(
            session, job_ids=[job_id, job_id + 999], worker_id="a", now=now, stale_before=now
        )
        won = await repo.finish_many(
            session, jobs=[repo.Finished(job_id, {"x": 1}, 0, None, {})], worker_id="b", now=now
        )
        await session.commit()

    assert [row["id"] for row in claimed] == [job_id]
    assert won == set()
    assert (await wait_for_job(container, job_id, "running"))["result"] is None


@pytest.mark.skipif(not REDIS_URL, reason="needs ORDERDESK_TEST_REDIS_URL (Redis streams)")
async def test_every_delivery_taken_from_the_stream_is_acknowledged(
    container: Container, worker: JobQueue
) -> None:
    ids = await enqueue_many(container, 25)
    for job_id in ids:
        await wait_for_job(container, job_id)
    broker = container.jobs.broker
    assert broker is not None
    client = redis.from_url(REDIS_URL)
    try:
        for _ in range(50):  # acks follow the claim statement; give the last batch a moment
            pending = await client.xpending(broker.queue_name, broker.consumer_group_name)
            if pending["pending"] == 0:
                break
            await asyncio.sleep(0.05)
    finally:
        await client.aclose()
    assert pending["pending"] == 0


async def test_a_worker_keeps_running_while_redis_is_unreachable(container: Container) -> None:
    settings = container.settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    unreachable = Container.build(settings, run_jobs=True)
    stop = asyncio.Event()
    work = asyncio.create_task(unreachable.jobs.work(stop))
    try:
        await asyncio.sleep(1.5)  # the receiver has failed to reach Redis at least once
        assert not work.done()
    finally:
        stop.set()
        await asyncio.wait_for(work, 30)
        await unreachable.close()
