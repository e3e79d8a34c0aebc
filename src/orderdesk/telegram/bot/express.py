"""The webhook's express lane: catalog page presses go straight to their handler (ADR 0020).

Page presses (callback data `l:<kind>:<value>:<page>`) are most of what a shop's bot receives.
aiogram's dispatch of one — its own three outer middlewares, the routers, the filters of the
handlers tried in order, the middleware chains wrapped anew for every update — cost about a
fifth of the server CPU of a press. On this lane a press runs through the same outer
middlewares of ours (errors, transaction with the update claim, rate limit, user), built into a
chain once, and then `catalog.turn_page`, the body of the handler aiogram would pick. Search
pages (their text is kept in the FSM) and every other update go through the dispatcher.

The lane is exact only while the dispatcher would add nothing to a press but the context it
resolves: aiogram's outer middlewares are the three it registers itself (errors — with no error
handler registered, user context, FSM — without event isolation, and the page handler reads no
state) and no router has middlewares for callback queries. `ExpressLane.of` checks this when
the runtime is built and gives None (no lane) otherwise. Polling keeps aiogram's dispatch.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import Bot, Dispatcher, loggers
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.dispatcher.middlewares.error import ErrorsMiddleware
from aiogram.dispatcher.middlewares.user_context import (
    EVENT_CHAT_KEY,
    EVENT_CONTEXT_KEY,
    EVENT_FROM_USER_KEY,
    EVENT_THREAD_ID_KEY,
    UserContextMiddleware,
)
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.fsm.storage.memory import DisabledEventIsolation
from aiogram.types import TelegramObject, Update

from orderdesk.telegram.bot import catalog

Chain = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
# What aiogram's Dispatcher registers as its own outer middlewares, in this order.
AIOGRAM_OUTER = (ErrorsMiddleware, UserContextMiddleware, FSMContextMiddleware)


class ExpressLane:
    """Page presses through our outer middlewares straight into `catalog.turn_page`."""

    def __init__(self, dispatcher: Dispatcher, bot: Bot, middlewares: Sequence[Any]) -> None:
        self.dispatcher = dispatcher
        self.bot = bot
        chain: Chain = _turn_page
        for middleware in reversed(middlewares):
            chain = functools.partial(middleware, chain)
        self._chain = chain

    @classmethod
    def of(cls, dispatcher: Dispatcher, bot: Bot) -> ExpressLane | None:
        """The lane for `dispatcher`'s bot, or None if the dispatcher would do more to a press."""
        outer = list(dispatcher.update.outer_middleware)
        own = outer[: len(AIOGRAM_OUTER)]
        if tuple(type(middleware) for middleware in own) != AIOGRAM_OUTER:
            return None
        fsm = own[-1]
        assert isinstance(fsm, FSMContextMiddleware)
        if not isinstance(fsm.events_isolation, DisabledEventIsolation):
            return None
        if dispatcher.errors.handlers or len(dispatcher.update.middleware):
            return None
        for router in dispatcher.chain_tail:
            presses = router.observers["callback_query"]
            if len(presses.outer_middleware) or len(presses.middleware):
                return None
        return cls(dispatcher, bot, outer[len(AIOGRAM_OUTER) :])

    @staticmethod
    def takes(update: Update) -> bool:
        """A catalog page press other than a search page."""
        query = update.callback_query
        if query is None or query.data is None or update.event_type != "callback_query":
            return False
        data = query.data
        return bool(catalog.PAGE_PRESS.match(data)) and not catalog.is_search_page(data)

    async def feed(self, update: Update) -> Any:
        """Handle a press `takes` accepted; the handler's answer, as `feed_update` returns it."""
        context = UserContextMiddleware.resolve_event_context(update)
        data: dict[str, Any] = {
            "dispatcher": self.dispatcher,
            **self.dispatcher.workflow_data,
            "bot": self.bot,
            EVENT_CONTEXT_KEY: context,
        }
        if context.user is not None:
            data[EVENT_FROM_USER_KEY] = context.user
        if context.chat is not None:
            data[EVENT_CHAT_KEY] = context.chat
        if context.thread_id is not None:
            data[EVENT_THREAD_ID_KEY] = context.thread_id
        handled = False
        try:
            result = await self._chain(update, data)
            handled = result is not UNHANDLED
            return result
        finally:
            loggers.event.info(
                "Update id=%s is %s (express lane) by bot id=%d",
                update.update_id,
                "handled" if handled else "not handled",
                self.bot.id,
            )


async def _turn_page(event: TelegramObject, data: dict[str, Any]) -> Any:
    assert isinstance(event, Update)
    assert event.callback_query is not None
    return await catalog.turn_page(
        event.callback_query, data["session"], data["principal"], data["locale"]
    )
