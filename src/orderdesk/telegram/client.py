"""The aiogram Bot of this installation, talking to the configured Bot API server."""

from __future__ import annotations

from typing import Any, cast
from urllib.parse import urlencode, urlsplit

import orjson
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response, TelegramType

from orderdesk.settings import Settings
from orderdesk.telegram.http import KeptConnections, ProtocolError

# pydantic keeps parametrised generics in a WeakValueDictionary, and aiogram parses every
# answer as `Response[<the method's result type>]`: once the garbage collector has freed that
# class, the next call builds it again (≈ 4 % of a webhook update's CPU). Held here for good.
_RESPONSE_TYPES: dict[Any, Any] = {}
FORM = b"application/x-www-form-urlencoded"


class BotSession(AiohttpSession):
    """aiogram's aiohttp session with a shorter way for calls without files (ADR 0020).

    aiogram builds an aiohttp `FormData` per call and sends it through aiohttp's request
    machinery, then parses every answer into pydantic's `Response[T]`: ≈ 0.2 ms of CPU per
    call. A call without files is sent here as the same urlencoded body over kept-alive
    connections (`telegram.http`), and a successful answer whose result is a plain `True`
    (answerCallbackQuery …) is read without pydantic. Files still go through aiohttp; every
    other answer, and every error, through aiogram's `check_response`, so its exceptions
    (retry after, forbidden …) and result objects are unchanged.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._origins: dict[str, KeptConnections] = {}
        self._targets: dict[str, tuple[KeptConnections, str]] = {}

    async def make_request(
        self, bot: Bot, method: TelegramMethod[TelegramType], timeout: int | None = None
    ) -> TelegramType:
        files: dict[str, Any] = {}
        fields: dict[str, Any] = {}
        for key, value in method.model_dump(warnings=False).items():
            prepared = self.prepare_value(value, bot=bot, files=files)
            if prepared:  # as aiogram's form: unset and empty fields are left out
                fields[key] = prepared
        if files or self.proxy is not None:  # a proxy only aiohttp's connector speaks
            return await super().make_request(bot, method, timeout)
        connections, target = self._target(self.api.api_url(bot.token, method.__api_method__))
        body = urlencode(fields, doseq=True).encode()  # doseq: str enums by value, as aiohttp
        try:
            status, raw = await connections.post(
                target, body, FORM, self.timeout if timeout is None else timeout
            )
        except TimeoutError as e:
            raise TelegramNetworkError(method=method, message="Request timeout error") from e
        except (OSError, ProtocolError) as e:
            raise TelegramNetworkError(method=method, message=f"{type(e).__name__}: {e}") from e
        if status == 200 and method.__returning__ is bool:
            try:
                answer = orjson.loads(raw)
            except orjson.JSONDecodeError:
                answer = None
            if isinstance(answer, dict) and answer.get("ok") is True and answer["result"] is True:
                return cast(TelegramType, True)
        content = raw.decode("utf-8", errors="replace")
        response = self.check_response(bot=bot, method=method, status_code=status, content=content)
        return cast(TelegramType, response.result)

    def _target(self, url: str) -> tuple[KeptConnections, str]:
        """The connections to `url`'s origin and its path (with query), worked out once."""
        found = self._targets.get(url)
        if found is None:
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in self._origins:
                self._origins[origin] = KeptConnections(
                    origin, limit=self._connector_init.get("limit", 100)
                )
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            found = self._targets[url] = (self._origins[origin], path)
        return found

    async def close(self) -> None:
        for connections in self._origins.values():
            connections.close()
        await super().close()

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
