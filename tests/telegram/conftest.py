"""Fixtures for Telegram tests: the loopback Bot API stand-in and settings that point at it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from orderdesk.settings import Settings
from tests.telegram.standin import TOKEN, BotAPIStandIn


@pytest.fixture
async def bot_api() -> AsyncIterator[BotAPIStandIn]:
    """A fresh Bot API stand-in on 127.0.0.1 (random port)."""
    async with BotAPIStandIn() as api:
        yield api


def telegram_settings(settings: Settings, api: BotAPIStandIn, **overrides: object) -> Settings:
    """`settings` with the bot turned on against the stand-in."""
    values: dict[str, object] = {
        "telegram_bot_token": TOKEN,
        "telegram_api_base": api.base_url,
        "telegram_webhook_secret": "s" * 40,
        **overrides,
    }
    return settings.model_copy(update=values)
