"""Long polling: updates from getUpdates are handled once; a second runner is refused."""

from __future__ import annotations

import asyncio

import pytest

from orderdesk.container import Container
from orderdesk.telegram.bot.runtime import AlreadyRunning, run_polling
from tests.telegram import botkit, updates
from tests.telegram.botkit import StandIn, bot_container
from tests.telegram.standin import TOKEN

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
        # polling handles updates concurrently: the second waits for the first reply
        await tg_api.wait_for("sendMessage", 1, chat_id=701)
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


async def test_starting_orderdesk_bot_run_twice_leaves_one_poller(
    container: Container, tg_api: StandIn
) -> None:
    import os
    import sys
    from pathlib import Path

    settings = container.settings
    env = {
        **os.environ,
        "ORDERDESK_DATABASE_URL": settings.database_url,
        "ORDERDESK_SECRET_KEYS": settings.secret_keys[0],
        "ORDERDESK_TELEGRAM_BOT_TOKEN": TOKEN,
        "ORDERDESK_TELEGRAM_API_BASE": tg_api.base_url,
        "ORDERDESK_TELEGRAM_MODE": "polling",
        "ORDERDESK_REDIS_NAMESPACE": settings.redis_namespace,
        "ORDERDESK_LOG_LEVEL": "WARNING",
    }
    if settings.redis_url:
        env["ORDERDESK_REDIS_URL"] = settings.redis_url
    orderdesk = str(Path(sys.executable).parent / "orderdesk")
    first = await asyncio.create_subprocess_exec(orderdesk, "bot", "run", env=env)
    try:
        await tg_api.wait_for("getUpdates", timeout=60)
        second = await asyncio.create_subprocess_exec(
            orderdesk, "bot", "run", env=env, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await asyncio.wait_for(second.communicate(), 60)
        assert second.returncode == 3
        assert b"polling already" in out
        await tg_api.push_update(updates.message(updates.user(702), "/start"))
        await tg_api.wait_for("sendMessage", chat_id=702, timeout=30)
    finally:
        first.terminate()
        await asyncio.wait_for(first.wait(), 30)
    assert first.returncode == 0
