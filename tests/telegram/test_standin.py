"""The stand-in speaks the Bot API as the real aiogram client expects it."""

from __future__ import annotations

import json

import pytest
from aiogram.exceptions import (
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from orderdesk.settings import Settings
from orderdesk.telegram.client import create_bot
from tests.telegram import updates
from tests.telegram.standin import BotAPIStandIn, Failure


def _settings(api: BotAPIStandIn, token: str | None = None) -> Settings:
    from tests.telegram.standin import TOKEN

    return Settings(telegram_bot_token=token or TOKEN, telegram_api_base=api.base_url)


async def test_messages_keyboards_and_documents_round_trip(bot_api: BotAPIStandIn) -> None:
    bot = create_bot(_settings(bot_api))
    try:
        me = await bot.get_me()
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="Да", callback_data="yes")]]
        )
        sent = await bot.send_message(42, "Привет", reply_markup=keyboard)
        edited = await bot.edit_message_text("Готово", chat_id=42, message_id=sent.message_id)
        doc = await bot.send_document(42, BufferedInputFile(b"PK\x03\x04", "report.xlsx"))
    finally:
        await bot.session.close()
    assert me.username == "orderdesk_bot"
    assert isinstance(edited, object)
    assert bot_api.texts(42) == ["Привет", "Готово"]
    first = bot_api.calls_to("sendMessage", 42)[0]
    assert first.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"
    assert doc.document is not None
    assert doc.document.file_name == "report.xlsx"
    assert bot_api.calls_to("sendDocument")[0].files["document"] == ("report.xlsx", b"PK\x03\x04")


async def test_scripted_failures_surface_as_aiogram_errors(bot_api: BotAPIStandIn) -> None:
    bot = create_bot(_settings(bot_api))
    bot_api.fail("sendMessage", Failure.flood(7), Failure.bad_gateway(), Failure.network())
    bot_api.blocked_chats.add(13)
    try:
        with pytest.raises(TelegramRetryAfter) as flood:
            await bot.send_message(1, "a")
        with pytest.raises(TelegramServerError):
            await bot.send_message(1, "b")
        with pytest.raises(TelegramNetworkError):
            await bot.send_message(1, "c")
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(13, "d")
        await bot.send_message(1, "e")
    finally:
        await bot.session.close()
    assert flood.value.retry_after == 7
    assert bot_api.texts(1) == ["e"]


async def test_wrong_token_is_unauthorized(bot_api: BotAPIStandIn) -> None:
    bot = create_bot(_settings(bot_api, token="999:wrong"))
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await bot.get_me()
    finally:
        await bot.session.close()


async def test_long_polling_returns_queued_updates_and_honours_offset(
    bot_api: BotAPIStandIn,
) -> None:
    bot = create_bot(_settings(bot_api))
    person = updates.user(5)
    await bot_api.push_update(updates.message(person, "/start", update_id=10))
    await bot_api.push_update(updates.message(person, "hi", update_id=11))
    try:
        first = await bot.get_updates(offset=0, timeout=1)
        rest = await bot.get_updates(offset=11, timeout=1)
        none = await bot.get_updates(offset=12, timeout=1)
    finally:
        await bot.session.close()
    assert [u.update_id for u in first] == [10, 11]
    assert [u.update_id for u in rest] == [11]
    assert none == []


async def test_flood_limits_answer_429_beyond_one_message_per_second_per_chat() -> None:
    async with BotAPIStandIn(enforce_limits=True) as api:
        bot = create_bot(_settings(api))
        try:
            await bot.send_message(7, "one")
            with pytest.raises(TelegramRetryAfter):
                await bot.send_message(7, "two")
            await bot.send_message(8, "other chat")
        finally:
            await bot.session.close()
    assert api.texts() == ["one", "other chat"]


async def test_a_method_in_a_webhook_answer_is_called_like_telegram_does(
    bot_api: BotAPIStandIn,
) -> None:
    keyboard = '{"inline_keyboard": [[{"text": "Да", "callback_data": "y"}]]}'
    body = (
        '{"method": "sendMessage", "chat_id": "42", "text": "<b>Привет</b>", '
        f'"parse_mode": "HTML", "reply_markup": {json.dumps(keyboard)}}}'
    ).encode()
    call = await bot_api.apply_webhook_answer(body, "application/json")
    assert call is not None
    assert (call.method, call.status, call.via_webhook, call.chat_id) == (
        "sendMessage", 200, True, 42,
    )  # fmt: skip
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "y"
    assert bot_api.texts(42) == ["<b>Привет</b>"]
    form = b"method=answerCallbackQuery&callback_query_id=7"
    answered = await bot_api.apply_webhook_answer(form, "application/x-www-form-urlencoded")
    assert answered is not None
    assert answered.status == 200
    assert await bot_api.apply_webhook_answer(b"{}", "application/json") is None
    assert await bot_api.apply_webhook_answer(b"", "") is None
    unknown = await bot_api.apply_webhook_answer(b'{"method": "sendNothing"}', "application/json")
    assert unknown is not None
    assert unknown.status == 404  # Telegram ignores it; the stand-in records it as failed
