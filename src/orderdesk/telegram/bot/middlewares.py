"""Outer middlewares: errors, one transaction per update, dedupe, rate limit, the acting user."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.methods import AnswerCallbackQuery, SendMessage
from aiogram.types import CallbackQuery, Chat, TelegramObject, Update
from aiogram.types import User as TgUser
from sqlalchemy import bindparam, exists, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from orderdesk.auth.models import User
from orderdesk.auth.service import principal_of
from orderdesk.container import Container
from orderdesk.core.errors import AppError, RateLimited
from orderdesk.core.i18n import set_locale, t
from orderdesk.db.query import Prepared, begin
from orderdesk.db.types import utcnow
from orderdesk.telegram.accounts import TelegramIdentity, find_user, user_for_telegram
from orderdesk.telegram.bot import texts  # noqa: F401  (registers the bot's texts)
from orderdesk.telegram.bot.render import Answer
from orderdesk.telegram.models import TelegramUpdate

log = logging.getLogger("orderdesk.telegram.bot")
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class Duplicate(Exception):  # noqa: N818
    """This update_id was taken before (a retry, or another API instance got it first)."""


def _locale_of(tg_user: TgUser | None) -> str:
    code = (tg_user.language_code or "") if tg_user else ""
    return "en" if code and not code.lower().startswith("ru") else "ru"


def say(data: dict[str, Any], event: TelegramObject, text: str) -> Answer:
    """Telling the sender `text` (an alert for a button press, a message otherwise), as the
    update's answer: the webhook carries it in its response, polling calls it."""
    query = event.callback_query if isinstance(event, Update) else None
    if isinstance(query, CallbackQuery):
        return AnswerCallbackQuery(callback_query_id=query.id, text=text[:200], show_alert=True)
    chat: Chat | None = data.get("event_chat")
    return SendMessage(chat_id=chat.id, text=text) if chat is not None else None


class ErrorMiddleware(BaseMiddleware):
    """The outermost layer: nothing a handler raises stops the dispatcher."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        try:
            return await handler(event, data)
        except Duplicate:
            return None
        except AppError as exc:  # a rule said no: tell the user why, in their language
            locale = data.get("locale") or _locale_of(data.get("event_from_user"))
            text = t(exc.detail_key, locale, **exc.params) if exc.detail_key else ""
            text = text or t(exc.title_key, locale)
            if exc.errors:  # field messages are in the user's locale (set by UserMiddleware)
                text += "\n" + "\n".join(str(error["message"]) for error in exc.errors[:5])
            return say(data, event, text)
        except Exception:
            update_id = event.update_id if isinstance(event, Update) else None
            log.exception("telegram update %s failed", update_id, extra={"update_id": update_id})
            locale = data.get("locale") or _locale_of(data.get("event_from_user"))
            return say(data, event, t("bot.error", locale))


class TransactionMiddleware(BaseMiddleware):
    """One write session per update, committed once after the handler, rolled back on error.

    The update_id is inserted first in the same transaction: a second delivery (Telegram's
    retry, or the same update at another API instance) conflicts on the primary key and is
    dropped. A failed update keeps its id in a transaction of its own: it is answered once.
    """

    def __init__(self, container: Container) -> None:
        self.container = container
        self.dialect = container.engine.dialect.name

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        tg_user: TgUser | None = data.get("event_from_user")
        async with self.container.write_sessions() as session:
            telegram_id = tg_user.id if tg_user is not None else None
            claimed, sender = await claim_update(
                session, event.update_id, telegram_id, self.dialect
            )
            if not claimed:
                raise Duplicate(event.update_id)
            data[SENDER] = sender
            data["session"] = session
            data["container"] = self.container
            calls: list[AfterCommit] = []
            data[AFTER_COMMIT] = calls
            try:
                result = await handler(event, data)
            except AppError as exc:
                if exc.commit:  # e.g. an audit entry of the refusal must stay
                    await session.commit()
                else:
                    await session.rollback()
                    await self._remember_failed(event.update_id)
                raise
            except BaseException:
                await session.rollback()
                await self._remember_failed(event.update_id)
                raise
            await session.commit()
        for call in calls:  # the update is committed: a failed call changes nothing of it
            try:
                await call()
            except Exception:
                log.warning(
                    "telegram update %s: a call after its commit failed",
                    event.update_id,
                    exc_info=True,
                    extra={"update_id": event.update_id},
                )
        return result

    async def _remember_failed(self, update_id: int) -> None:
        try:
            async with self.container.write_sessions() as session:
                if await _claim(session, update_id, self.dialect):
                    await session.commit()
        except Exception:
            log.warning("could not record failed update %s", update_id, exc_info=True)


# The update_id claim and the sender's user in one round trip (PostgreSQL): a CTE inserts the
# id; the select says whether it did and brings the user's row, if any.
_CLAIM = (
    pg_insert(TelegramUpdate)
    .values(update_id=bindparam("update_id"), received_at=bindparam("received_at"))
    .on_conflict_do_nothing(index_elements=["update_id"])
    .returning(TelegramUpdate.update_id)
    .cte("claim")
)
_ONE = select(literal_column("1").label("one")).subquery("one")
_USERS = User.__table__
CLAIM_AND_SENDER = Prepared(
    select(exists(select(_CLAIM.c.update_id)).label("claimed"), *_USERS.c).select_from(
        _ONE.outerjoin(_USERS, _USERS.c.telegram_id == bindparam("telegram_id"))
    )
)
_NEW_USER = User.__mapper__.class_manager.new_instance
# Data key: Bot API calls a handler wants made once its update is committed, not while the
# transaction holds row locks (e.g. an order number's counter) — `await query.answer()` there
# holds them for a round trip to Telegram.
AFTER_COMMIT = "after_commit"
AfterCommit = Callable[[], Awaitable[object]]
SENDER = "orderdesk_sender"  # data key: the sender's User found with the claim (or None)


async def claim_update(
    session: AsyncSession, update_id: int, telegram_id: int | None, dialect: str
) -> tuple[bool, User | None]:
    """Take `update_id` (False if taken before) and find the user of `telegram_id`, if any.

    On PostgreSQL one statement, run straight on the driver inside the session's transaction;
    the user comes back as a persistent ORM object of this session without an ORM query.
    """
    if dialect != "postgresql":
        if not await _claim(session, update_id, dialect):
            return False, None
        return True, await find_user(session, telegram_id) if telegram_id is not None else None
    await begin(session)
    row = await CLAIM_AND_SENDER.one(
        session, update_id=update_id, received_at=utcnow(), telegram_id=telegram_id
    )
    assert row is not None
    if not row.pop("claimed"):
        return False, None
    if row["id"] is None:
        return True, None
    # Filled the way the ORM's loader fills a row (straight into the instance dict, no
    # attribute events and no history to reset): `User(**row)` costs several times more.
    user = _NEW_USER()
    user.__dict__.update(row)
    make_transient_to_detached(user)
    session.add(user)
    return True, user


async def _claim(session: AsyncSession, update_id: int, dialect: str) -> bool:
    """Insert the update_id; False when it is there already (one round trip, no savepoint).

    On PostgreSQL a concurrent insert of the same id waits for the other transaction and then
    finds the conflict, so of two API instances exactly one handles the update.
    """
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        make_insert(TelegramUpdate)
        .values(update_id=update_id, received_at=utcnow())
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(TelegramUpdate.update_id)
    )
    return (await session.execute(stmt)).first() is not None


class RateLimitMiddleware(BaseMiddleware):
    """At most `telegram_updates_rate` updates per Telegram user; one polite reply per window."""

    def __init__(self, container: Container) -> None:
        self.container = container
        self.rate = container.settings.telegram_updates_rate

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None:
            return await handler(event, data)
        try:
            await self.container.rate_limiter.hit(self.rate, "telegram-user", str(tg_user.id))
        except RateLimited as exc:
            seconds = int(exc.headers.get("Retry-After", "60"))
            notice = f"telegram:ratelimit-notice:{tg_user.id}"
            if await self.container.locks.acquire(notice, max(1, seconds)) is not None:
                text = t("bot.rate_limited", _locale_of(tg_user), seconds=seconds)
                return say(data, event, text)
            if isinstance(event, Update) and event.callback_query is not None:
                return AnswerCallbackQuery(callback_query_id=event.callback_query.id)
            return None
        return await handler(event, data)


class UserMiddleware(BaseMiddleware):
    """Injects `user` (created on first contact), `principal` and `locale`."""

    def __init__(self, container: Container) -> None:
        self.status = container.settings.telegram_new_user_status

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        tg_user: TgUser | None = data.get("event_from_user")
        if tg_user is None or tg_user.is_bot:
            return None  # channel posts and the like: nobody to act as
        identity = TelegramIdentity(
            id=tg_user.id,
            first_name=tg_user.first_name or "",
            last_name=tg_user.last_name or "",
            username=tg_user.username or "",
            language_code=tg_user.language_code or "",
        )
        chat: Chat | None = data.get("event_chat")
        known: User | None = data.pop(SENDER, None)  # found with the update's claim
        if known is not None:
            user, created = known, False
        elif chat is not None and chat.type != "private":
            # In groups only people already linked to a user act; nobody is created there.
            found = await find_user(data["session"], identity.id)
            if found is None:
                if isinstance(event, Update) and event.callback_query is not None:
                    return say(data, event, t("bot.staff.not_allowed", identity.locale))
                return None
            user, created = found, False
        else:
            user, created = await user_for_telegram(data["session"], identity, status=self.status)
        locale = user.locale if user.locale in ("ru", "en") else identity.locale
        set_locale(locale)
        data.update(user=user, principal=principal_of(user), locale=locale, user_created=created)
        if user.status == "blocked":
            return say(data, event, t("bot.blocked", locale))
        if user.status == "pending" and not _may_wait(event):
            return say(data, event, t("bot.pending", locale))
        return await handler(event, data)


def _may_wait(event: TelegramObject) -> bool:
    """A user waiting for approval may still /start and share the phone."""
    message = event.message if isinstance(event, Update) else None
    if message is None:
        return False
    return bool(message.contact) or (message.text or "").startswith("/start")
