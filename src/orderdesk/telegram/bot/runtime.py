"""The bot of one process (Bot client and Dispatcher); long polling under a single-runner lock."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.types import Update
from sqlalchemy import text

from orderdesk.container import Container
from orderdesk.telegram.bot import build_dispatcher
from orderdesk.telegram.bot.express import ExpressLane
from orderdesk.telegram.client import create_bot

log = logging.getLogger("orderdesk.telegram.bot")
POLLING_LOCK = "telegram-polling"
LOCK_TTL = 30.0
PG_LOCK_KEY = 0x0D_7E_1E_B0  # pg_try_advisory_lock key of the polling runner


class AlreadyRunning(RuntimeError):
    """Another `orderdesk bot run` holds the polling lock."""


@dataclass
class BotRuntime:
    container: Container
    bot: Bot = field(init=False)
    dispatcher: Dispatcher = field(init=False)
    express: ExpressLane | None = field(init=False)

    def __post_init__(self) -> None:
        self.bot = create_bot(self.container.settings)
        self.dispatcher = build_dispatcher(self.container)
        self.express = ExpressLane.of(self.dispatcher, self.bot)

    async def feed(self, data: dict[str, Any]) -> Any:
        """Handle one update as Telegram sent it (pydantic's ValidationError if malformed);
        the handler's answer, a Bot API method to call once the update is committed, if any.

        Catalog page presses take the express lane, everything else the dispatcher."""
        update = Update.model_validate(data, context={"bot": self.bot})
        if self.express is not None and self.express.takes(update):
            return await self.express.feed(update)
        return await self.dispatcher.feed_update(self.bot, update)

    async def close(self) -> None:
        await self.bot.session.close()


@contextlib.asynccontextmanager
async def polling_lock(container: Container) -> AsyncIterator[None]:
    """Held while this process polls: Redis lock, PostgreSQL advisory lock, or a file lock."""
    if container.backends.redis is not None:
        async with _redis_lock(container):
            yield
    elif container.engine.dialect.name == "postgresql":
        async with _advisory_lock(container):
            yield
    else:
        with _file_lock(container):
            yield


@contextlib.asynccontextmanager
async def _redis_lock(container: Container) -> AsyncIterator[None]:
    locks = container.locks
    token = await locks.acquire(POLLING_LOCK, LOCK_TTL)
    if token is None:
        raise AlreadyRunning(POLLING_LOCK)

    async def keep() -> None:
        while True:
            await asyncio.sleep(LOCK_TTL / 3)
            if not await locks.extend(POLLING_LOCK, token, LOCK_TTL):
                log.error("lost the polling lock")
                return

    keeper = asyncio.create_task(keep())
    try:
        yield
    finally:
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
        await locks.release(POLLING_LOCK, token)


@contextlib.asynccontextmanager
async def _advisory_lock(container: Container) -> AsyncIterator[None]:
    async with container.engine.connect() as conn:  # the lock lives as long as this connection
        taken = (await conn.execute(text(f"SELECT pg_try_advisory_lock({PG_LOCK_KEY})"))).scalar()
        await conn.commit()
        if not taken:
            raise AlreadyRunning(POLLING_LOCK)
        try:
            yield
        finally:
            await conn.execute(text(f"SELECT pg_advisory_unlock({PG_LOCK_KEY})"))
            await conn.commit()


@contextlib.contextmanager
def _file_lock(container: Container) -> Any:
    """SQLite is one machine's database: a lock file beside it serves every process there."""
    database = container.engine.url.database or ""
    base = Path(database).parent if database and database != ":memory:" else Path.cwd()
    path = base / ".orderdesk-telegram-polling.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AlreadyRunning(str(path)) from None
        yield
    finally:
        os.close(fd)


async def run_polling(container: Container, stop: asyncio.Event | None = None) -> None:
    """Long-poll getUpdates until `stop` is set; AlreadyRunning if another runner holds the lock."""
    async with polling_lock(container):
        runtime = BotRuntime(container)
        dp = runtime.dispatcher
        polling = asyncio.create_task(
            dp.start_polling(
                runtime.bot, handle_signals=False, close_bot_session=True, polling_timeout=5
            )
        )
        waiter = asyncio.create_task((stop or asyncio.Event()).wait())
        try:
            await asyncio.wait({polling, waiter}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not polling.done():
                with contextlib.suppress(RuntimeError):
                    await dp.stop_polling()
                with contextlib.suppress(asyncio.CancelledError):
                    await polling
            waiter.cancel()


async def set_webhook(container: Container) -> str:
    """Register `{public_url}/telegram/webhook` with the secret; the URL."""
    settings = container.settings
    url = settings.public_url.rstrip("/") + "/telegram/webhook"
    bot = create_bot(settings)
    try:
        await bot.set_webhook(url, secret_token=settings.telegram_webhook_secret or None)
    finally:
        await bot.session.close()
    return url


async def delete_webhook(container: Container) -> None:
    bot = create_bot(container.settings)
    try:
        await bot.delete_webhook()
    finally:
        await bot.session.close()
