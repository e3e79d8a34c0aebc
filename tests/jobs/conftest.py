"""A running job worker for the tests: in-process when embedded, a second container on Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from orderdesk.container import Container
from orderdesk.jobs import repository as repo
from orderdesk.jobs import service
from orderdesk.jobs.queue import JobQueue
from orderdesk.jobs.registry import load_modules

load_modules(["tests.jobs.kinds"])


@pytest.fixture
async def worker(container: Container, database_url: str) -> AsyncIterator[JobQueue]:
    """Run jobs for the duration of a test, in the shape the settings describe."""
    stop = asyncio.Event()
    if container.jobs.runner is not None:
        queue, extra = container.jobs, None
    else:
        extra = Container.build(container.settings, run_jobs=True)
        queue = extra.jobs
    task = asyncio.create_task(queue.work(stop))
    try:
        yield queue
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        if extra is not None:
            await extra.close()


Enqueue = Callable[..., Awaitable[int]]


@pytest.fixture
def enqueue(container: Container) -> Enqueue:
    """Enqueue a job in its own committed transaction, as a request would."""

    async def do(kind: str, **kwargs: Any) -> int:
        async with container.write_sessions() as session:
            job = await service.enqueue(session, kind=kind, **kwargs)
            await session.commit()
            return job.id

    return do


async def wait_for_job(
    container: Container, job_id: int, *statuses: str, timeout: float = 20
) -> dict[str, Any]:
    """Poll the job row until it reaches one of the statuses."""
    wanted = statuses or ("succeeded", "failed", "cancelled")
    from orderdesk.core.permissions import Principal

    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        async with container.read_sessions() as session:
            row = await repo.get_job(session, job_id=job_id, principal=Principal.system())
        assert row is not None
        if row["status"] in wanted:
            return row
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job {job_id} stayed {row['status']}: {row}")
        await asyncio.sleep(0.05)
