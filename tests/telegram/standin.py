"""A Telegram Bot API stand-in on loopback: real HTTP in both directions, scripted failures.

The real aiogram client talks to it through `TelegramAPIServer.from_base(standin.base_url)`
(set `ORDERDESK_TELEGRAM_API_BASE` / `Settings.telegram_api_base`). It answers like Telegram:
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...,
"parameters": {...}}`; records every call; serves `getUpdates` long polling from a queue;
delivers updates to a registered webhook with the secret-token header and, as Telegram does,
calls the one method a webhook may name in its response body (`apply_webhook_answer`); can
enforce Telegram's flood limits (429 with retry_after) and answer 403 for chats that blocked
the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
import urllib.parse
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

TOKEN = "123456:TEST-standin-token-AAAAAAAAAAAAAAAAAAAA"  # noqa: S105
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "orderdesk", "username": "orderdesk_bot"}
# Parameters Telegram takes as JSON-serialised strings in form bodies.
JSON_FIELDS = {
    "reply_markup",
    "entities",
    "caption_entities",
    "media",
    "allowed_updates",
    "link_preview_options",
    "reply_parameters",
    "commands",
    "menu_button",
    "results",
    "scope",
}
MESSAGE_METHODS = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "editMessageText",
    "editMessageReplyMarkup",
    "editMessageCaption",
}
TRUE_METHODS = {
    "answerCallbackQuery",
    "deleteMessage",
    "setMyCommands",
    "deleteMyCommands",
    "setChatMenuButton",
    "sendChatAction",
    "close",
    "logOut",
}


@dataclass(slots=True)
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    at: float = 0.0
    status: int = 200
    via_webhook: bool = False  # named in a webhook's response, not requested by the bot

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


@dataclass(slots=True)
class Failure:
    """A scripted answer: an HTTP error with Telegram's error body, or a dropped connection."""

    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    drop: bool = False  # close the connection without answering (a network error)

    @classmethod
    def flood(cls, retry_after: int = 1) -> Failure:
        return cls(429, f"Too Many Requests: retry after {retry_after}", retry_after)

    @classmethod
    def blocked(cls) -> Failure:
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def bad_gateway(cls) -> Failure:
        return cls(502, "Bad Gateway")

    @classmethod
    def network(cls) -> Failure:
        return cls(drop=True)


class BotAPIStandIn:
    """Start with `async with BotAPIStandIn() as api:`; `api.base_url` is the Bot API base."""

    def __init__(self, *, token: str = TOKEN, enforce_limits: bool = False) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.blocked_chats: set[int] = set()
        self.enforce_limits = enforce_limits
        self.global_per_second = 30
        self.chat_per_second = 1
        self.group_per_minute = 20
        self.webhook_url = ""
        self.webhook_secret = ""
        self._failures: dict[str, deque[tuple[int | None, Failure]]] = {}
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._new_update = asyncio.Condition()
        self._recorded = asyncio.Condition()
        self._sent_at: deque[float] = deque()
        self._chat_sent_at: dict[int, deque[float]] = {}
        self._runner: web.AppRunner | None = None
        self.base_url = ""

    async def __aenter__(self) -> BotAPIStandIn:
        app = web.Application(client_max_size=60 * 1024 * 1024)
        app.router.add_post("/bot{token}/{method}", self._handle)
        app.router.add_get("/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # --- scripting -------------------------------------------------------------------------

    def fail(self, method: str, *failures: Failure, chat_id: int | None = None) -> None:
        """Answer the next calls of `method` (for `chat_id`, if given) with these failures."""
        queue = self._failures.setdefault(method, deque())
        queue.extend((chat_id, failure) for failure in failures)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    async def push_update(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates (long polling)."""
        async with self._new_update:
            self._updates.append(update)
            self._new_update.notify_all()

    async def deliver_webhook(self, update: dict[str, Any], *, secret: str | None = None) -> int:
        """POST an update to the registered webhook as Telegram would; the HTTP status."""
        headers = {"Content-Type": "application/json"}
        token = self.webhook_secret if secret is None else secret
        if token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = token
        async with (
            aiohttp.ClientSession() as client,
            client.post(self.webhook_url, data=json.dumps(update), headers=headers) as response,
        ):
            if response.status == 200:
                await self.apply_webhook_answer(await response.read(), response.content_type)
            return response.status

    async def apply_webhook_answer(self, body: bytes, content_type: str) -> Call | None:
        """What Telegram does with a webhook's 200 response: it calls the method the body names
        (JSON or a urlencoded form with `method`), if any, and tells the bot nothing back.

        The call is recorded like a requested one (`via_webhook=True`), with the status
        Telegram would have given it; limits and scripted failures apply to it too.
        """
        params = _webhook_params(body, content_type)
        method = str(params.pop("method", "") or "")
        if not method:
            return None
        _decode_json_fields(params)
        call = Call(method, params, {}, time.monotonic(), via_webhook=True)
        failure = self._scripted(method, call.chat_id) or self._limited(method, call.chat_id)
        if failure is not None:
            status = 599 if failure.drop else failure.status
        elif method == "getUpdates":
            status = 409  # Telegram: no getUpdates while a webhook is set
        else:
            try:
                self._answer(method, params, {})
                status = 200
            except LookupError:
                status = 404
        await self._record(call, None, status=status)
        return call

    # --- reading what happened -------------------------------------------------------------

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        """Successful calls of `method` (to `chat_id`, if given), in order."""
        return [
            call
            for call in self.calls
            if call.method == method
            and call.status == 200
            and (chat_id is None or call.chat_id == chat_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        """Texts of the messages sent (and edited) to a chat, in order."""
        return [
            str(call.params.get("text") or call.params.get("caption") or "")
            for call in self.calls
            if call.method in MESSAGE_METHODS
            and call.status == 200
            and ("text" in call.params or "caption" in call.params)
            and (chat_id is None or call.chat_id == chat_id)
        ]

    async def wait_for(
        self, method: str, count: int = 1, *, chat_id: int | None = None, timeout: float = 10.0
    ) -> list[Call]:
        """Wait until `count` successful calls of `method` were made; they are returned."""

        def enough() -> bool:
            return len(self.calls_to(method, chat_id)) >= count

        async with self._recorded:
            try:
                await asyncio.wait_for(self._recorded.wait_for(enough), timeout)
            except TimeoutError:
                got = len(self.calls_to(method, chat_id))
                raise AssertionError(f"{method}: {got} calls, expected {count}") from None
        return self.calls_to(method, chat_id)

    # --- the server ------------------------------------------------------------------------

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        params, files = await _read_params(request)
        call = Call(method, params, files, time.monotonic())
        if request.match_info["token"] != self.token:
            return await self._record(call, _error(401, "Unauthorized"))
        failure = self._scripted(method, call.chat_id) or self._limited(method, call.chat_id)
        if failure is not None and failure.drop:
            await self._record(call, None, status=599)
            assert request.transport is not None
            request.transport.close()
            raise ConnectionResetError
        if failure is not None:
            return await self._record(call, _error(failure.status, failure, failure.retry_after))
        if method == "getUpdates":
            return await self._record(call, _ok(await self._get_updates(params)))
        try:
            result = self._answer(method, params, files)
        except LookupError:
            return await self._record(call, _error(404, "Not Found: method not found"))
        return await self._record(call, _ok(result))

    async def _record(
        self, call: Call, response: web.Response | None, *, status: int | None = None
    ) -> web.Response:
        call.status = status or (response.status if response is not None else 599)
        async with self._recorded:
            self.calls.append(call)
            self._recorded.notify_all()
        return response  # type: ignore[return-value]

    def _scripted(self, method: str, chat_id: int | None) -> Failure | None:
        queue = self._failures.get(method)
        if not queue:
            return None
        for index, (target, failure) in enumerate(queue):
            if target is None or target == chat_id:
                del queue[index]
                return failure
        return None

    def _limited(self, method: str, chat_id: int | None) -> Failure | None:
        if chat_id is not None and chat_id in self.blocked_chats and method.startswith("send"):
            return Failure.blocked()
        if not self.enforce_limits or method not in MESSAGE_METHODS or chat_id is None:
            return None
        now = time.monotonic()
        _expire(self._sent_at, now - 1.0)
        chat = self._chat_sent_at.setdefault(chat_id, deque())
        is_group = chat_id < 0
        _expire(chat, now - (60.0 if is_group else 1.0))
        limit = self.group_per_minute if is_group else self.chat_per_second
        if len(self._sent_at) >= self.global_per_second or len(chat) >= limit:
            return Failure.flood(1)
        self._sent_at.append(now)
        chat.append(now)
        return None

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), 5.0)
        async with self._new_update:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            if not self._updates and timeout > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._new_update.wait(), timeout)
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            return self._updates[:limit]

    def _answer(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT_USER
        if method == "setWebhook":
            self.webhook_url = str(params.get("url") or "")
            self.webhook_secret = str(params.get("secret_token") or "")
            return True
        if method == "deleteWebhook":
            self.webhook_url = self.webhook_secret = ""
            return True
        if method == "getWebhookInfo":
            return {
                "url": self.webhook_url,
                "has_custom_certificate": False,
                "pending_update_count": 0,
            }
        if method in TRUE_METHODS:
            return True
        if method in MESSAGE_METHODS:
            return self._message(method, params, files)
        raise LookupError(method)

    def _message(self, method: str, params: dict[str, Any], files: dict[str, Any]) -> Any:
        chat_id = int(params["chat_id"])
        editing = method.startswith("edit")
        message_id = int(params["message_id"]) if editing else next(self._message_ids)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": BOT_USER,
        }
        if "text" in params:
            message["text"] = params["text"]
        if "caption" in params:
            message["caption"] = params["caption"]
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:  # Telegram echoes only these
            message["reply_markup"] = markup
        if method == "sendDocument":
            name, data = files.get("document", ("document", b""))
            message["document"] = {
                "file_id": f"doc-{message_id}",
                "file_unique_id": f"u-{message_id}",
                "file_name": name,
                "file_size": len(data),
            }
        if editing:
            message["edit_date"] = int(time.time())
        return message


def _expire(times: deque[float], before: float) -> None:
    while times and times[0] < before:
        times.popleft()


async def _read_params(
    request: web.Request,
) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        return dict(await request.json()), files
    if request.content_type == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, aiohttp.BodyPartReader) or part.name is None:
                continue
            if part.filename:
                files[part.name] = (part.filename, bytes(await part.read()))
            else:
                params[part.name] = await part.text()
    else:
        params.update((await request.post()).items())
    for key, value in list(params.items()):  # aiogram sends files as "attach://<part name>"
        if isinstance(value, str) and value.startswith("attach://") and value[9:] in files:
            files[key] = files.pop(value[9:])
    _decode_json_fields(params)
    return params, files


def _decode_json_fields(params: dict[str, Any]) -> None:
    for key in JSON_FIELDS & params.keys():
        if isinstance(params[key], str):
            params[key] = json.loads(params[key])


def _webhook_params(body: bytes, content_type: str) -> dict[str, Any]:
    """The parameters of a webhook response body (empty when it names no method)."""
    if not body:
        return {}
    if content_type.startswith("application/json"):
        data = json.loads(body)
        return dict(data) if isinstance(data, dict) else {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(urllib.parse.parse_qsl(body.decode()))
    raise ValueError(f"the stand-in reads JSON or urlencoded webhook answers, not {content_type}")


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(status: int, reason: Failure | str, retry_after: int | None = None) -> web.Response:
    description = reason.description if isinstance(reason, Failure) else reason
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=status)


@contextlib.asynccontextmanager
async def running_standin(**options: Any) -> AsyncIterator[BotAPIStandIn]:
    """`BotAPIStandIn` as an async context manager function (for fixtures)."""
    async with BotAPIStandIn(**options) as api:
        yield api
