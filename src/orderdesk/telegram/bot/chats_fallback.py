"""Remember private chats (a minimal upsert; helper tsend's `telegram/chats.py` supersedes it)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.telegram.models import TelegramChat


async def remember_chat(
    session: AsyncSession,
    *,
    chat_id: int,
    kind: str = "private",
    user_id: int | None = None,
    title: str = "",
    language: str = "ru",
) -> TelegramChat:
    """The chat row, created or refreshed (and active again after a 403)."""
    chat = await session.get(TelegramChat, chat_id)
    if chat is None:
        chat = TelegramChat(chat_id=chat_id, kind=kind)
        session.add(chat)
    chat.user_id = user_id if user_id is not None else chat.user_id
    chat.title = title[:200]
    chat.language = language
    chat.active = True
    chat.inactive_since = None
    await session.flush()
    return chat
