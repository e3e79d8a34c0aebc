"""The aiogram Bot of this installation, talking to the configured Bot API server."""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response

from orderdesk.settings import Settings

# pydantic keeps parametrised generics in a WeakValueDictionary, and aiogram parses every
# answer as `Response[<the method's result type>]`: once the garbage collector has freed that
# class, the next call builds it again (≈ 4 % of a webhook update's CPU). Held here for good.
_RESPONSE_TYPES: dict[Any, Any] = {}


class BotSession(AiohttpSession):
    """aiogram's aiohttp session, keeping the response models it has parsed with alive."""

    def check_response(
        self, bot: Bot, method: TelegramMethod[Any], status_code: int, content: str
    ) -> Response[Any]:
        returning = method.__returning__
        if returning not in _RESPONSE_TYPES:
            _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
        return super().check_response(bot, method, status_code, content)


def create_bot(settings: Settings) -> Bot:
    """A Bot for `settings.telegram_bot_token` (HTML parse mode); the caller closes its session."""
    session = BotSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return Bot(
        settings.telegram_bot_token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
