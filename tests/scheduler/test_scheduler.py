"""Scheduler: due ticks become one job each, however many schedulers run; missed ticks collapse."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from orderdesk.backends import Backends, build_backends
from orderdesk.container import Container
from orderdesk.jobs.models import Job
from orderdesk.scheduler import PeriodicTask, periodic_tasks
from orderdesk.scheduler.runner import Scheduler
from tests.conftest import make_settings

EVERY_MINUTE = PeriodicTask("cleanup.idempotency", "* * * * *", "cleanup.idempotency", {"x": 1})
T0 = datetime(2026, 11, 25, 12, 0, 30, tzinfo=UTC)


@pytest.fixture
async def other_backends(database_url: str) -> AsyncIterator[Backends]:
    """A second process's backends: the same Redis when configured, else memory of its own."""
    built = build_backends(make_settings(database_url))
    yield built
    await built.close()


def scheduler(container: Container, backends: Backends | None = None) -> Scheduler:
    locks = backends.locks if backends else container.locks
    return Scheduler(tasks=[EVERY_MINUTE], locks=locks, sessions=container.write_sessions)


async def jobs(container: Container) -> list[Job]:
    async with container.read_sessions() as session:
        return list((await session.scalars(select(Job).order_by(Job.id))).all())


async def test_due_tick_enqueues_one_job_with_the_tick_in_its_dedupe_key(
    container: Container,
) -> None:
    runner = scheduler(container)
    await runner.start(T0)
    assert await runner.run_due(T0 + timedelta(seconds=20)) == []
    fired = await runner.run_due(T0 + timedelta(seconds=31))

    [job] = [j for j in await jobs(container) if j.dedupe_key == fired[0]]
    assert fired == ["schedule:cleanup.idempotency:2026-11-25T12:01:00+00:00"]
    assert job.kind == "cleanup.idempotency"
    assert job.params == {"x": 1}
    assert job.status == "queued"


async def test_start_fires_the_tick_missed_while_down_once(container: Container) -> None:
    first = await scheduler(container).start(T0)
    again = await scheduler(container).start(T0 + timedelta(seconds=5))
    assert first == ["schedule:cleanup.idempotency:2026-11-25T12:00:00+00:00"]
    assert again == []
    assert len(await jobs(container)) == 1


async def test_after_downtime_only_the_latest_missed_tick_fires(container: Container) -> None:
    runner = scheduler(container)
    await runner.start(T0)
    fired = await runner.run_due(T0 + timedelta(minutes=10))
    assert fired == ["schedule:cleanup.idempotency:2026-11-25T12:10:00+00:00"]
    assert len(await jobs(container)) == 2  # the start-up tick and the latest one


async def test_a_tick_older_than_the_catchup_window_is_not_fired(container: Container) -> None:
    daily = PeriodicTask("cleanup.idempotency", "0 3 * * *", "cleanup.idempotency")
    runner = Scheduler(
        tasks=[daily],
        locks=container.locks,
        sessions=container.write_sessions,
        catchup=timedelta(hours=1),
    )
    assert await runner.start(T0) == []
    assert await jobs(container) == []
    assert runner.seconds_to_next(T0) == 30.0  # capped sleep, the next tick is tomorrow


async def test_two_schedulers_firing_the_same_tick_enqueue_one_job(
    container: Container, other_backends: Backends
) -> None:
    one, two = scheduler(container), scheduler(container, other_backends)
    await asyncio.gather(one.start(T0), two.start(T0))
    later = T0 + timedelta(minutes=1)
    results = await asyncio.gather(one.run_due(later), two.run_due(later))

    keys = [j.dedupe_key for j in await jobs(container)]
    assert len(keys) == len(set(keys)) == 2
    assert sorted(len(r) for r in results) == [0, 1]


async def test_a_tick_whose_job_exists_is_not_enqueued_again_after_the_lock_expires(
    container: Container,
) -> None:
    await scheduler(container).start(T0)
    await container.locks.reset()  # the tick lock is gone; the job row still guards the tick
    assert await scheduler(container).start(T0) == []
    assert len(await jobs(container)) == 1


async def test_run_stops_when_asked(container: Container) -> None:
    runner = scheduler(container)
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    await asyncio.sleep(0.1)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert len(await jobs(container)) == 1  # the current minute's tick, fired at start


def test_registry_declares_the_idempotency_cleanup_daily(database_url: str) -> None:
    tasks = {
        t.name: t for t in periodic_tasks(make_settings(database_url, idempotency_ttl_hours=48))
    }
    task = tasks["cleanup.idempotency"]
    assert task.name == task.job_kind == "cleanup.idempotency"
    assert task.cron == "17 3 * * *"
    assert task.params == {"older_than_hours": 48}


def test_overrides_change_a_cron_and_refuse_unknown_names(database_url: str) -> None:
    settings = make_settings(
        database_url, schedule_overrides={"cleanup.idempotency": "*/5 * * * *"}
    )
    assert periodic_tasks(settings)[0].cron == "*/5 * * * *"
    with pytest.raises(ValueError, match="unknown tasks"):
        periodic_tasks(make_settings(database_url, schedule_overrides={"nope": "* * * * *"}))


def test_invalid_cron_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid cron"):
        PeriodicTask("x", "61 * * * *", "x")


def test_six_field_cron_ticks_every_second() -> None:
    task = PeriodicTask("x", "* * * * * *", "x")
    assert task.latest_tick(T0 + timedelta(milliseconds=400)) == T0
    assert task.next_tick(T0) == T0 + timedelta(seconds=1)
