"""The bot's hot path (ADR 0020): the order type and catalog keyboards it keeps, its lean calls."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import orjson
import pytest
from aiogram.exceptions import TelegramRetryAfter

from orderdesk.app import create_app
from orderdesk.catalog import service as catalog
from orderdesk.catalog.schemas import ItemUpdate
from orderdesk.container import Container
from orderdesk.orders import types_service
from orderdesk.orders.schemas import OrderTypeUpdate
from orderdesk.settings import Settings
from orderdesk.telegram.client import create_bot
from tests.factories import SYSTEM, make_item, make_item_type, make_order_type
from tests.telegram import botkit, updates
from tests.telegram.botkit import Conversation, StandIn
from tests.telegram.standin import TOKEN, BotAPIStandIn, Failure

tg_api = botkit.tg_api


@pytest.fixture
async def shop_talk(container: Container, tg_api: StandIn) -> AsyncIterator[Conversation]:
    """A conversation with the bot placing order type `order` (read through the type cache)."""
    bot_container = botkit.bot_container(container, tg_api, telegram_order_type="order")
    app = create_app(container=bot_container)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Conversation(http, tg_api, bot_container)
    await app.state.telegram.close()


async def test_the_bot_sees_a_changed_order_type_at_once_although_it_keeps_the_type(
    shop_talk: Conversation, container: Container
) -> None:
    kind = await make_item_type(container, "product")
    order_type = await make_order_type(container, "order")
    rose = await make_item(container, kind["id"], name="Роза")
    anna = updates.user(901)
    await shop_talk.send(updates.callback(anna, f"i:{rose['id']}", message_id=1))
    assert ("🛒 Заказать", f"b:{rose['id']}") in shop_talk.buttons(901)
    # Now a request type (one active per item): the orders service invalidates the cache.
    async with container.write_sessions() as session:
        await types_service.update_order_type(
            session=session,
            principal=SYSTEM,
            type_id=order_type["id"],
            data=OrderTypeUpdate(one_active_per_item=True),
            expected_version=None,
            cache=container.cache,
        )
        await session.commit()
    await shop_talk.send(updates.callback(anna, f"i:{rose['id']}", message_id=1))
    assert ("📝 Оставить заявку", f"b:{rose['id']}") in shop_talk.buttons(901)
    async with container.write_sessions() as session:
        await types_service.update_order_type(
            session=session,
            principal=SYSTEM,
            type_id=order_type["id"],
            data=OrderTypeUpdate(active=False),
            expected_version=None,
            cache=container.cache,
        )
        await session.commit()
    await shop_talk.send(updates.callback(anna, f"b:{rose['id']}", message_id=1))
    assert shop_talk.last(901).params["text"] == "Сейчас заказы через бота не принимаются."


async def test_a_kept_catalog_keyboard_follows_the_items_and_is_sent_as_built(
    shop_talk: Conversation, container: Container
) -> None:
    kind = await make_item_type(container, "product")
    rose = await make_item(container, kind["id"], name="Роза", price=Decimal("150"))
    anna = updates.user(902)
    press = updates.callback(anna, "l:a:0:0", message_id=1)
    first = (await shop_talk.post(press)).json()
    again = (await shop_talk.post(updates.callback(anna, "l:a:0:0", message_id=1))).json()
    assert again["reply_markup"] == first["reply_markup"]  # the kept keyboard's JSON
    assert orjson.loads(first["reply_markup"])["inline_keyboard"][0] == [
        {"text": "Роза — 150 RUB", "callback_data": f"i:{rose['id']}"}
    ]
    async with container.write_sessions() as session:
        await catalog.update_item(
            session=session,
            principal=SYSTEM,
            item_id=rose["id"],
            data=ItemUpdate(name="Роза алая", price=Decimal("175")),
            expected_version=None,
        )
        await session.commit()
    changed = (await shop_talk.post(updates.callback(anna, "l:a:0:0", message_id=1))).json()
    assert orjson.loads(changed["reply_markup"])["inline_keyboard"][0] == [
        {"text": "Роза алая — 175 RUB", "callback_data": f"i:{rose['id']}"}
    ]


async def test_a_call_without_files_goes_the_short_way_and_still_raises_telegrams_errors(
    bot_api: BotAPIStandIn,
) -> None:
    bot = create_bot(Settings(telegram_bot_token=TOKEN, telegram_api_base=bot_api.base_url))
    try:
        assert await bot.answer_callback_query("q1", text="Готово ✅") is True
        sent = await bot.send_message(42, "Привет & <b>пока</b>", disable_notification=True)
        bot_api.fail("answerCallbackQuery", Failure.flood(retry_after=3))
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.answer_callback_query("q2")
    finally:
        await bot.session.close()
    assert flood.value.retry_after == 3
    answered = bot_api.calls_to("answerCallbackQuery")[0].params
    assert (answered["callback_query_id"], answered["text"]) == ("q1", "Готово ✅")
    assert sent.chat.id == 42
    message = bot_api.calls_to("sendMessage")[0].params
    assert message["text"] == "Привет & <b>пока</b>"
    assert message["parse_mode"] == "HTML"
    assert message["disable_notification"] in ("true", True)
