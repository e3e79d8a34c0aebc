"""Two `orderdesk scheduler` processes on one database (and one Redis): each tick fires once."""

from __future__ import annotations

import json
import time
from datetime import datetime

import pytest
from sqlalchemy import select

from orderdesk.container import Container
from orderdesk.jobs.models import Job
from tests.conftest import REDIS_NAMESPACE, REDIS_URL
from tests.system.conftest import Spawn, wait_until

pytestmark = pytest.mark.system
PREFIX = "schedule:cleanup.idempotency:"
RUN_SECONDS = 5


def scheduler_env(database_url: str) -> dict[str, str]:
    env = {
        "ORDERDESK_DATABASE_URL": database_url,
        "ORDERDESK_SECRET_KEYS": "test-secret-key-that-is-long-enough-0123456789",
        "ORDERDESK_REDIS_NAMESPACE": REDIS_NAMESPACE,
        # A 6-field cron: the real cleanup task, every second instead of daily.
        "ORDERDESK_SCHEDULE_OVERRIDES": json.dumps({"cleanup.idempotency": "* * * * * *"}),
        "ORDERDESK_LOG_FORMAT": "json",
        "ORDERDESK_LOG_LEVEL": "INFO",
    }
    if REDIS_URL:
        env["ORDERDESK_REDIS_URL"] = REDIS_URL
    return env


def _enqueued(log: str, task: str) -> int:
    """How many ticks of `task` a scheduler's JSON log says it enqueued (other tasks' daily
    ticks also fire at start, within the catch-up window)."""
    count = 0
    for line in log.splitlines():
        if '"scheduler.enqueued"' in line and json.loads(line).get("task") == task:
            count += 1
    return count


async def scheduled_jobs(container: Container) -> list[Job]:
    async with container.read_sessions() as session:
        rows = await session.scalars(select(Job).where(Job.dedupe_key.startswith(PREFIX)))
        return list(rows.all())


async def test_two_schedulers_fire_every_tick_exactly_once(
    container: Container, database_url: str, spawn: Spawn
) -> None:
    env = scheduler_env(database_url)
    processes = [spawn(["orderdesk", "scheduler"], env) for _ in range(2)]
    wait_until(
        lambda: all("scheduler.started" in p.log() for p in processes), 60, "both schedulers"
    )
    time.sleep(RUN_SECONDS)
    codes = [p.stop() for p in processes]
    logs = [p.log() for p in processes]

    jobs = await scheduled_jobs(container)
    ticks = sorted(datetime.fromisoformat(job.dedupe_key.removeprefix(PREFIX)) for job in jobs)
    enqueued = sum(_enqueued(log, "cleanup.idempotency") for log in logs)

    assert codes == [0, 0], logs
    assert all("scheduler.stopped" in log for log in logs), logs
    assert not any("fire_failed" in log or "Traceback" in log for log in logs), logs
    # A loop that wakes late skips to the latest tick by design, so a loaded machine may leave
    # gaps; what must hold is that no tick was enqueued twice by the two processes.
    assert len(ticks) >= 2
    assert len(ticks) == len(set(ticks)) == enqueued
    assert all(tick.microsecond == 0 for tick in ticks)
    assert {job.kind for job in jobs} == {"cleanup.idempotency"}
