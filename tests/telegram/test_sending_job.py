"""The whole path in one process: order → outbox → relay (deliveries) → `telegram.send` job."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from orderdesk.container import Container
from orderdesk.jobs.models import Job
from tests.factories import make_order
from tests.telegram.standin import BotAPIStandIn
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
        return list((await session.scalars(select(Job).where(Job.kind == "telegram.send"))).all())


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
