"""POST /telegram/webhook: Telegram's updates, checked by the secret header, handled once."""

from __future__ import annotations

import hmac
import logging

import orjson
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
            await runtime.feed(data)
        except (orjson.JSONDecodeError, ValidationError):
            return Response(status_code=400)
        return empty

    app.add_api_route(
        WEBHOOK_PATH,
        telegram_webhook,
        methods=["POST"],
        include_in_schema=False,
        name="telegram_webhook",
    )
    return runtime
