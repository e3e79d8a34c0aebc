"""Long polling: updates from getUpdates are handled once; a second runner is refused."""

from __future__ import annotations

import asyncio

import pytest

from orderdesk.container import Container
from orderdesk.telegram.bot.runtime import AlreadyRunning, run_polling
from tests.telegram import botkit, updates
from tests.telegram.botkit import StandIn, bot_container

tg_api = botkit.tg_api


async def test_polling_answers_pushed_updates_and_a_second_runner_is_refused(
    container: Container, tg_api: StandIn
) -> None:
    polling = bot_container(container, tg_api, telegram_mode="polling")
    stop = asyncio.Event()
    runner = asyncio.create_task(run_polling(polling, stop))
    try:
        await tg_api.wait_for("getUpdates")
        with pytest.raises(AlreadyRunning):
            await run_polling(polling, asyncio.Event())
        anna = updates.user(701)
        update = updates.message(anna, "/start", update_id=90_001)
        await tg_api.push_update(update)
        await tg_api.push_update(updates.message(anna, "/catalog", update_id=90_002))
        await tg_api.wait_for("sendMessage", 2, chat_id=701)
    finally:
        stop.set()
        await runner
    assert tg_api.texts(701)[0].startswith("Здравствуйте, Анна!")
    assert tg_api.texts(701)[1] == "🛍 Каталог. Выберите категорию:"
    # The lock is released on stop: polling may start again, and an update seen before is
    # dropped even if Telegram hands it out again.
    stop = asyncio.Event()
    runner = asyncio.create_task(run_polling(polling, stop))
    try:
        await tg_api.push_update(update)
        await tg_api.push_update(updates.message(anna, "/catalog", update_id=90_003))
        await tg_api.wait_for("sendMessage", 3, chat_id=701)
    finally:
        stop.set()
        await runner
    assert len(tg_api.texts(701)) == 3
