"""The chats the bot writes to: customers' private chats, staff groups, units' groups."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.db.types import utcnow
from orderdesk.settings import Settings
from orderdesk.telegram.models import TelegramChat, TelegramDelivery

KINDS = ("private", "staff", "unit")
LANGUAGES = ("ru", "en")


@dataclass(frozen=True, slots=True)
class ChatTarget:
    """A chat a notification goes to, in the language it is written in."""

    chat_id: int
    kind: str
    language: str

    @property
    def is_private(self) -> bool:
        return self.chat_id > 0


def chat_language(code: str | None) -> str:
    """ru or en from a Telegram language code ("ru", "en-US", "" …); Russian by default."""
    short = (code or "").split("-")[0].lower()
    return "en" if short and short != "ru" else "ru"


async def remember_chat(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: str,
    user_id: int | None = None,
    unit_id: int | None = None,
    title: str = "",
    language: str = "ru",
) -> TelegramChat:
    """Create or update a chat (it becomes active again: the user came back)."""
    if kind not in KINDS:
        raise ValueError(f"chat kind must be one of {KINDS}, not {kind!r}")
    values = {
        "kind": kind,
        "user_id": user_id,
        "unit_id": unit_id,
        "title": title[:200],
        "language": chat_language(language),
        "active": True,
        "inactive_since": None,
    }
    chat = await session.get(TelegramChat, chat_id)
    if chat is None:
        try:
            async with session.begin_nested():
                chat = TelegramChat(chat_id=chat_id, **values)
                session.add(chat)
                await session.flush()
            return chat
        except IntegrityError:  # the same chat's concurrent update created it first
            chat = await session.get(TelegramChat, chat_id)
            if chat is None:
                raise
    for key, value in values.items():
        setattr(chat, key, value)
    await session.flush()
    return chat


async def get_chat(session: AsyncSession, chat_id: int) -> TelegramChat | None:
    return await session.get(TelegramChat, chat_id)


async def private_chat_of(session: AsyncSession, user_id: int) -> TelegramChat | None:
    """The user's active private chat with the bot, if any."""
    stmt = (
        select(TelegramChat)
        .where(
            TelegramChat.user_id == user_id,
            TelegramChat.kind == "private",
            TelegramChat.active.is_(True),
        )
        .order_by(TelegramChat.updated_at.desc())
        .limit(1)
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def deactivate_chat(
    session: AsyncSession, chat_id: int, *, at: datetime | None = None
) -> int:
    """Telegram said 403 (blocked, kicked): mark the chat inactive and drop what it was owed.

    Returns how many pending deliveries were dropped. A chat never registered is recorded as
    an inactive staff chat, so a configured staff chat id that blocked the bot is skipped too.
    """
    when = at or utcnow()
    chat = await session.get(TelegramChat, chat_id)
    if chat is None:
        session.add(
            TelegramChat(
                chat_id=chat_id,
                kind="private" if chat_id > 0 else "staff",
                active=False,
                inactive_since=when,
            )
        )
    elif chat.active:
        chat.active, chat.inactive_since = False, when
    await session.flush()
    result = await session.execute(
        update(TelegramDelivery)
        .where(
            TelegramDelivery.chat_id == chat_id,
            TelegramDelivery.status.in_(("pending", "claimed")),
        )
        .values(status="dropped", error="chat inactive (403)", claimed_by=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def staff_targets(session: AsyncSession, settings: Settings) -> list[ChatTarget]:
    """Configured staff chats plus registered active staff chats, minus inactive ones."""
    rows = (
        await session.execute(
            select(
                TelegramChat.chat_id, TelegramChat.kind, TelegramChat.language, TelegramChat.active
            ).where(
                (TelegramChat.kind == "staff")
                | TelegramChat.chat_id.in_(settings.telegram_staff_chat_ids)
            )
        )
    ).all()
    known = {row.chat_id: row for row in rows}
    targets: dict[int, ChatTarget] = {}
    for chat_id in settings.telegram_staff_chat_ids:
        row = known.get(chat_id)
        if row is None:
            targets[chat_id] = ChatTarget(chat_id, "staff", settings.telegram_staff_language)
        elif row.active:
            targets[chat_id] = ChatTarget(chat_id, "staff", row.language)
    for row in rows:
        if row.kind == "staff" and row.active and row.chat_id not in targets:
            targets[row.chat_id] = ChatTarget(row.chat_id, "staff", row.language)
    return list(targets.values())


async def unit_targets(
    session: AsyncSession, unit_ids: Iterable[int]
) -> dict[int, list[ChatTarget]]:
    """Active unit chats by unit id."""
    wanted = sorted(set(unit_ids))
    if not wanted:
        return {}
    rows = (
        await session.execute(
            select(TelegramChat.chat_id, TelegramChat.unit_id, TelegramChat.language).where(
                TelegramChat.kind == "unit",
                TelegramChat.active.is_(True),
                TelegramChat.unit_id.in_(wanted),
            )
        )
    ).all()
    found: dict[int, list[ChatTarget]] = {}
    for row in rows:
        found.setdefault(row.unit_id, []).append(ChatTarget(row.chat_id, "unit", row.language))
    return found


async def private_targets(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, ChatTarget]:
    """Each user's active private chat (the most recently updated one)."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = (
        await session.execute(
            select(TelegramChat.chat_id, TelegramChat.user_id, TelegramChat.language)
            .where(
                TelegramChat.kind == "private",
                TelegramChat.active.is_(True),
                TelegramChat.user_id.in_(wanted),
            )
            .order_by(TelegramChat.updated_at)
        )
    ).all()
    return {row.user_id: ChatTarget(row.chat_id, "private", row.language) for row in rows}
