"""The whole path in one process: order → outbox → relay (deliveries) → `telegram.send` job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from orderdesk.container import Container
from orderdesk.db.types import utcnow
from orderdesk.jobs.models import Job
from orderdesk.jobs.service import enqueue
from tests.factories import make_order
from tests.telegram.standin import BotAPIStandIn, Failure
from tests.telegram.test_sending_helpers import STAFF_CHAT, UNIT_CHAT, send_settings, shop_world


@pytest.fixture
async def telegram_container(
    container: Container, bot_api: BotAPIStandIn
) -> AsyncIterator[Container]:
    """A second process's container on the same database, with the bot on and a job runner."""
    built = Container.build(send_settings(container, bot_api), run_jobs=True)
    yield built
    await built.close()


async def _jobs(container: Container) -> list[Job]:
    async with container.read_sessions() as session:
        stmt = select(Job).where(Job.kind == "telegram.send").order_by(Job.id)
        return list((await session.scalars(stmt)).all())


async def test_an_order_reaches_the_staff_chats_through_the_relay_and_the_send_job(
    container: Container, telegram_container: Container, bot_api: BotAPIStandIn, make_user: Any
) -> None:
    world = await shop_world(container, make_user)
    order = await make_order(
        container, customer_id=world["customer"].id, unit_id=world["unit"]["id"]
    )

    await telegram_container.relay.drain()
    (job,) = await _jobs(container)
    assert telegram_container.jobs.runner is not None
    await telegram_container.jobs.runner.execute(job.id)

    (done,) = await _jobs(container)
    assert done.status == "succeeded", done.error
    assert done.result is not None
    assert done.result["sent"] == 2
    for chat_id in (STAFF_CHAT, UNIT_CHAT):
        assert order["number"] in bot_api.texts(chat_id)[0]


async def test_a_retry_due_later_is_left_to_a_follow_up_send_job(
    container: Container, bot_api: BotAPIStandIn, make_user: Any
) -> None:
    slow_retries = send_settings(
        container, bot_api, telegram_send_retry_base_seconds=30, telegram_send_retry_max_seconds=60
    )
    built = Container.build(slow_retries, run_jobs=True)
    try:
        world = await shop_world(container, make_user)
        await make_order(container, customer_id=world["customer"].id, unit_id=world["unit"]["id"])
        bot_api.fail("sendMessage", Failure.bad_gateway(), chat_id=STAFF_CHAT)
        await built.relay.drain()
        (job,) = await _jobs(container)
        assert built.jobs.runner is not None
        await built.jobs.runner.execute(job.id)
    finally:
        await built.close()

    jobs = await _jobs(container)
    assert [j.status for j in jobs] == ["succeeded", "queued"]
    follow_up = jobs[1]
    assert follow_up.run_after is not None
    assert follow_up.run_after > utcnow() + timedelta(seconds=15)  # the retry's due time
    assert bot_api.texts(STAFF_CHAT) == []
    assert len(bot_api.texts(UNIT_CHAT)) == 1


async def test_the_report_job_owes_the_staff_chats_the_report_and_asks_for_sending(
    container: Container, telegram_container: Container
) -> None:
    async with container.write_sessions() as session:
        job = await enqueue(
            session,
            kind="telegram.report",
            params={"kind": "weekly", "now": "2026-11-23T06:00:00+00:00"},
        )
        await session.commit()
    assert telegram_container.jobs.runner is not None
    await telegram_container.jobs.runner.execute(job.id)

    async with container.read_sessions() as session:
        done = await session.get(Job, job.id)
    assert done is not None
    assert done.status == "succeeded", done.error
    assert done.result == {"kind": "weekly", "deliveries": 1}
    assert len(await _jobs(container)) == 1  # a send job to take it from here
