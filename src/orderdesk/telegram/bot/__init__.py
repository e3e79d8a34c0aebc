"""The aiogram bot: one Router per feature under one Dispatcher, with outer middlewares."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from typing import Any

from aiogram import Dispatcher, Router
from aiogram.dispatcher.event.handler import FilterObject
from aiogram.fsm.storage.base import BaseStorage, DefaultKeyBuilder
from aiogram.fsm.storage.memory import MemoryStorage
from aiogram.fsm.storage.redis import RedisStorage

from orderdesk.backends import key_prefix
from orderdesk.container import Container
from orderdesk.telegram.bot import catalog, checkout, customer, staff
from orderdesk.telegram.bot.middlewares import (
    ErrorMiddleware,
    RateLimitMiddleware,
    TransactionMiddleware,
    UserMiddleware,
)


def fsm_storage(container: Container) -> BaseStorage:
    """Redis (under this instance's key prefix) when configured, memory otherwise."""
    redis = container.backends.redis
    if redis is None:
        return MemoryStorage()
    builder = DefaultKeyBuilder(prefix=key_prefix(container.settings) + "fsm")
    return RedisStorage(redis=redis, key_builder=builder)


def build_dispatcher(container: Container) -> Dispatcher:
    """The dispatcher of this installation: routers joined, middlewares in order."""
    dp = Dispatcher(storage=fsm_storage(container))
    # Outermost first: errors wrap everything; the transaction holds the dedupe insert;
    # the rate limit counts only new updates; the user is resolved inside the transaction.
    dp.update.outer_middleware(ErrorMiddleware())
    dp.update.outer_middleware(TransactionMiddleware(container))
    dp.update.outer_middleware(RateLimitMiddleware(container))
    dp.update.outer_middleware(UserMiddleware(container))
    # The catalog's buttons are most presses, and their callback data (cat, ul, l:…, i:…) no
    # other router's filters accept: tried first, a page press skips eight handlers' filters.
    # Its messages stay behind the others (a menu text must not beat a checkout question).
    presses = {"callback_query"}
    dp.include_routers(
        fresh(catalog.router, only=presses),
        *(fresh(module.router) for module in (customer, checkout, staff)),
        fresh(catalog.router, skip=presses),
        catalog.free_text_router(),
    )
    for router in dp.chain_tail:
        for observer in router.observers.values():
            for handler in (*observer.handlers, observer._handler):
                for event_filter in handler.filters or ():
                    inline(event_filter)
    return dp


def fresh(template: Router, *, only: Collection[str] = (), skip: Collection[str] = ()) -> Router:
    """A new Router with the template's handlers (of the events `only`, or all but `skip`): a
    router joins one dispatcher only, and a process may build several (the webhook app, tests,
    the benchmark)."""
    router = Router(name=template.name)
    for name, observer in template.observers.items():
        if (only and name not in only) or name in skip:
            continue
        target = router.observers[name]
        target.handlers.extend(observer.handlers)
        target._handler.filters = observer._handler.filters  # router-wide filters
    return router


def inline(event_filter: FilterObject) -> None:
    """Run a plain (sync) filter on the event loop instead of aiogram's thread hop.

    aiogram runs every non-async filter through `asyncio.to_thread`; our filters are magic
    filters (`F.data == "cat"`, a regexp) that take microseconds, while each hop costs a
    thread-pool round trip and the GIL handover, for every handler tried on every update.
    """
    if event_filter.awaitable:
        return
    event_filter.callback = _as_coroutine(event_filter.callback)
    event_filter.awaitable = True


def _as_coroutine(check: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    async def run(*args: Any, **kwargs: Any) -> Any:
        return check(*args, **kwargs)

    return run


__all__ = ["build_dispatcher", "fsm_storage"]
