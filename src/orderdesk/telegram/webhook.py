"""POST /telegram/webhook: Telegram's updates, checked by the secret header, handled once."""

from __future__ import annotations

import hmac
import logging
from typing import Any

import orjson
from aiogram import Bot
from aiogram.methods import TelegramMethod
from fastapi import FastAPI, Request, Response
from pydantic import ValidationError

from orderdesk.container import Container
from orderdesk.telegram.bot.runtime import BotRuntime

log = logging.getLogger("orderdesk.telegram.webhook")
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_UPDATE_BYTES = 1_000_000


def install_webhook(app: FastAPI, container: Container) -> BotRuntime:
    """Add the webhook route; the caller closes the returned runtime on shutdown."""
    runtime = BotRuntime(container)
    secret = container.settings.telegram_webhook_secret.encode()
    empty = Response(status_code=200, content=b"{}", media_type="application/json")

    async def telegram_webhook(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secret or not hmac.compare_digest(given, secret):
            return Response(status_code=401)
        body = await request.body()
        try:
            data = orjson.loads(body) if len(body) <= MAX_UPDATE_BYTES else None
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return Response(status_code=400)
            answer = await runtime.feed(data)
        except (orjson.JSONDecodeError, ValidationError):
            return Response(status_code=400)
        if isinstance(answer, TelegramMethod):
            carried = answer_body(runtime.bot, answer)
            if carried is not None:
                return Response(content=carried, media_type="application/json")
            await runtime.dispatcher.silent_call_request(runtime.bot, answer)
        return empty

    app.add_api_route(
        WEBHOOK_PATH,
        telegram_webhook,
        methods=["POST"],
        include_in_schema=False,
        name="telegram_webhook",
    )
    return runtime


def answer_body(bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """`method` as a webhook response body: Telegram calls it once it has our answer.

    JSON with `method` and the parameters encoded as aiogram encodes them for a Bot API call
    (the bot's defaults applied, objects as JSON strings). None when the method uploads a
    file, which a response cannot carry. Telegram reports nothing back: neither the result
    (e.g. a sent message's id) nor an error.
    """
    files: dict[str, Any] = {}
    body: dict[str, Any] = {"method": method.__api_method__}
    for key, value in method.model_dump(warnings=False).items():
        prepared = bot.session.prepare_value(value, bot=bot, files=files)
        if prepared:  # as aiogram's own request builder: unset and empty fields are left out
            body[key] = prepared
    return None if files else orjson.dumps(body)
