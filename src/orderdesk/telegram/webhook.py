"""POST /telegram/webhook: Telegram's updates, checked by the secret header, handled once.

A pure ASGI layer just inside the request-context middleware (request id, access log,
metrics and security headers still apply): a webhook request skips FastAPI's routing over
every API route, its dependency machinery and the generic middlewares (ADR 0020).
"""

from __future__ import annotations

import hmac
import logging
from typing import Any

import orjson
from aiogram import Bot
from aiogram.methods import TelegramMethod
from fastapi import FastAPI
from pydantic import ValidationError
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from orderdesk.container import Container
from orderdesk.telegram.bot.render import kept_json
from orderdesk.telegram.bot.runtime import BotRuntime

log = logging.getLogger("orderdesk.telegram.webhook")
WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = b"x-telegram-bot-api-secret-token"
MAX_UPDATE_BYTES = 1_000_000
JSON = b"application/json"


async def _no_endpoint(*_: Any) -> None:  # pragma: no cover - never routed to
    raise NotImplementedError


# What the access log and the metrics name the route (RequestContextMiddleware reads it).
WEBHOOK_ROUTE = Route(WEBHOOK_PATH, _no_endpoint, methods=["POST"], name="telegram_webhook")


def install_webhook(app: FastAPI, container: Container) -> BotRuntime:
    """Answer the webhook path in front of the app; the caller closes the returned runtime.

    Call it right before adding RequestContextMiddleware, so that it sits just inside it.
    """
    runtime = BotRuntime(container)
    secret = container.settings.telegram_webhook_secret.encode()
    app.add_middleware(TelegramWebhook, runtime=runtime, secret=secret)
    return runtime


class TelegramWebhook:
    """Pure ASGI: POST /telegram/webhook handled here, every other request passed on."""

    def __init__(self, app: ASGIApp, *, runtime: BotRuntime, secret: bytes) -> None:
        self.app = app
        self.runtime = runtime
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != WEBHOOK_PATH:
            await self.app(scope, receive, send)
            return
        scope["route"] = WEBHOOK_ROUTE
        status, body = await self._handle(scope, receive)
        headers = [(b"content-length", str(len(body)).encode())]
        if body:
            headers.append((b"content-type", JSON))
        if status == 405:
            headers.append((b"allow", b"POST"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def _handle(self, scope: Scope, receive: Receive) -> tuple[int, bytes]:
        if scope["method"] != "POST":
            return 405, b""
        given = next((value for key, value in scope["headers"] if key == SECRET_HEADER), b"")
        if not self.secret or not hmac.compare_digest(given, self.secret):
            return 401, b""
        body = await _read_body(receive)
        if body is None:
            return 413, b""
        try:
            data = orjson.loads(body)
            if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
                return 400, b""
            answer = await self.runtime.feed(data)
        except (orjson.JSONDecodeError, ValidationError):
            return 400, b""
        if isinstance(answer, TelegramMethod):
            carried = answer_body(self.runtime.bot, answer)
            if carried is not None:
                return 200, carried
            await self.runtime.dispatcher.silent_call_request(self.runtime.bot, answer)
        return 200, b"{}"


async def _read_body(receive: Receive) -> bytes | None:
    """The request body; None once it grows past MAX_UPDATE_BYTES."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return b""
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_UPDATE_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def answer_body(bot: Bot, method: TelegramMethod[Any]) -> bytes | None:
    """`method` as a webhook response body: Telegram calls it once it has our answer.

    JSON with `method` and the parameters encoded as aiogram encodes them for a Bot API call
    (the bot's defaults applied, objects as JSON strings). None when the method uploads a
    file, which a response cannot carry. Telegram reports nothing back: neither the result
    (e.g. a sent message's id) nor an error.
    """
    files: dict[str, Any] = {}
    body: dict[str, Any] = {"method": method.__api_method__}
    markup = kept_json(
        getattr(method, "reply_markup", None),
        lambda keyboard: bot.session.prepare_value(keyboard, bot=bot, files=files),
    )
    if markup is not None:
        body["reply_markup"] = markup
    skip = {"reply_markup"} if markup is not None else None
    for key, value in method.model_dump(warnings=False, exclude=skip).items():
        prepared = bot.session.prepare_value(value, bot=bot, files=files)
        if prepared:  # as aiogram's own request builder: unset and empty fields are left out
            body[key] = prepared
    return None if files else orjson.dumps(body)
