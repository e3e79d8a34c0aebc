"""Driving the bot through the real webhook of the real app, reading answers from the stand-in."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from orderdesk.app import create_app
from orderdesk.container import Container
from tests.telegram.conftest import telegram_settings
from tests.telegram.standin import BotAPIStandIn

SECRET = "s" * 40


class Conversation:
    """POSTs updates to /telegram/webhook and reads what the bot sent back."""

    def __init__(self, http: httpx.AsyncClient, api: BotAPIStandIn, container: Container) -> None:
        self.http = http
        self.api = api
        self.container = container

    async def post(self, update: dict[str, Any], *, secret: str = SECRET) -> httpx.Response:
        """POST as Telegram does; a 200 response's method is applied as Telegram would."""
        response = await self.http.post(
            "/telegram/webhook",
            json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        )
        if response.status_code == 200:
            content_type = response.headers.get("content-type", "")
            await self.api.apply_webhook_answer(response.content, content_type)
        return response

    async def send(self, update: dict[str, Any]) -> None:
        response = await self.post(update)
        assert response.status_code == 200, response.text

    def last(self, chat_id: int) -> Any:
        """The last sendMessage/editMessageText call to `chat_id`."""
        calls = [
            c
            for c in self.api.calls
            if c.method in ("sendMessage", "editMessageText") and c.chat_id == chat_id
        ]
        assert calls, f"nothing sent to {chat_id}"
        return calls[-1]

    def buttons(self, chat_id: int) -> list[tuple[str, str]]:
        """(text, callback_data) of the inline buttons of the last message to `chat_id`."""
        markup = self.last(chat_id).params.get("reply_markup") or {}
        return [
            (b["text"], b.get("callback_data", ""))
            for row in markup.get("inline_keyboard", [])
            for b in row
        ]

    def sent_message_id(self, chat_id: int) -> int:
        """The message id the stand-in gave the last sendMessage to `chat_id`."""
        sends = self.api.calls_to("sendMessage", chat_id)
        return 1000 + [c for c in self.api.calls if c.method == "sendMessage"].index(sends[-1])


StandIn = BotAPIStandIn


@pytest.fixture
async def tg_api() -> AsyncIterator[StandIn]:
    async with StandIn() as api:
        yield api


def bot_container(container: Container, api: BotAPIStandIn, **overrides: Any) -> Container:
    """The session's container with the bot turned on against the stand-in."""
    settings = telegram_settings(container.settings, api, **overrides)
    return dataclasses.replace(container, settings=settings)


@pytest.fixture
async def talk(container: Container, tg_api: StandIn) -> AsyncIterator[Conversation]:
    bot_container_ = bot_container(container, tg_api)
    app = create_app(container=bot_container_)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield Conversation(http, tg_api, bot_container_)
    await app.state.telegram.close()
