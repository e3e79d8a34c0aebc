"""The aiogram bot: one Router per feature under one Dispatcher, with outer middlewares."""

from __future__ import annotations

from aiogram import Dispatcher, Router
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
    dp.include_routers(
        *(fresh(module.router) for module in (customer, checkout, staff, catalog)),
        catalog.free_text_router(),
    )
    return dp


def fresh(template: Router) -> Router:
    """A new Router with the template's handlers: a router joins one dispatcher only, and a
    process may build several (the webhook app, tests, the benchmark)."""
    router = Router(name=template.name)
    for name, observer in template.observers.items():
        target = router.observers[name]
        target.handlers.extend(observer.handlers)
        target._handler.filters = observer._handler.filters  # router-wide filters
    return router


__all__ = ["build_dispatcher", "fsm_storage"]
