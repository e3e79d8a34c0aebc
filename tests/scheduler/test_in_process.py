"""Embedded `serve` runs the scheduler in the app's lifespan; the server shape does not."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from orderdesk.app import create_app
from orderdesk.container import Container
from orderdesk.jobs.models import Job
from orderdesk.scheduler.tasks import periodic_tasks
from tests.conftest import make_settings


def test_scheduler_runs_in_process_by_default_only_without_redis(database_url: str) -> None:
    assert make_settings(database_url, redis_url=None).runs_scheduler_in_process
    assert not make_settings(database_url, redis_url="redis://x").runs_scheduler_in_process
    assert make_settings(
        database_url, redis_url="redis://x", scheduler_in_process=True
    ).runs_scheduler_in_process


async def test_app_lifespan_starts_and_stops_the_scheduler(
    container: Container, database_url: str
) -> None:
    own = Container.build(make_settings(database_url, scheduler_in_process=True))
    names = sorted(task.name for task in periodic_tasks(own.settings))
    app = create_app(container=own)
    async with app.router.lifespan_context(app):
        for _ in range(50):  # the latest daily tick is within the catch-up day: it fires at start
            async with container.read_sessions() as session:
                keys = list(await session.scalars(select(Job.dedupe_key)))
            if len(keys) >= len(names):
                break
            await asyncio.sleep(0.1)
    # one job per task: the name between "schedule:" and the tick
    assert sorted((key or "").split(":")[1] for key in keys) == names
