"""The aiogram Bot of this installation, talking to the configured Bot API server."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode

from orderdesk.settings import Settings


def create_bot(settings: Settings) -> Bot:
    """A Bot for `settings.telegram_bot_token` (HTML parse mode); the caller closes its session."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    return Bot(
        settings.telegram_bot_token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
