"""Telegram people as orderdesk users: found by telegram_id, new ones become customers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.auth.models import User
from orderdesk.auth.users import snapshot, user_search_text
from orderdesk.core.permissions import Role
from orderdesk.realtime.outbox import record_event

LOCALES = ("ru", "en")


@dataclass(frozen=True, slots=True)
class TelegramIdentity:
    """Who Telegram says this is (a verified login, initData `user`, or an update's `from`)."""

    id: int
    first_name: str = ""
    last_name: str = ""
    username: str = ""
    language_code: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TelegramIdentity:
        """From Telegram's user object (extra keys ignored); KeyError/ValueError if no id."""
        return cls(
            id=int(data["id"]),
            first_name=str(data.get("first_name") or ""),
            last_name=str(data.get("last_name") or ""),
            username=str(data.get("username") or ""),
            language_code=str(data.get("language_code") or ""),
        )

    @property
    def display_name(self) -> str:
        name = " ".join(part for part in (self.first_name, self.last_name) if part)
        return (name or self.username or str(self.id))[:200]

    @property
    def locale(self) -> str:
        """Russian unless Telegram says the user's app speaks something else we have (English)."""
        code = self.language_code.split("-")[0].lower()
        if code == "ru" or not code:
            return "ru"
        return "en"


async def find_user(session: AsyncSession, telegram_id: int) -> User | None:
    """The user linked to this Telegram account, if any."""
    return (
        await session.execute(select(User).where(User.telegram_id == telegram_id))
    ).scalar_one_or_none()


async def user_for_telegram(
    session: AsyncSession, identity: TelegramIdentity, *, status: str = "active"
) -> tuple[User, bool]:
    """The user linked to `identity`, or a new customer (with `status`); (user, created)."""
    user = await find_user(session, identity.id)
    if user is not None:
        return user, False
    user = User(
        telegram_id=identity.id,
        display_name=identity.display_name,
        locale=identity.locale,
        role=Role.customer.value,
        status=status,
    )
    user.search_text = user_search_text(user)
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError:  # the same person's second update won the race
        found = await find_user(session, identity.id)
        if found is None:
            raise
        return found, False
    await audit.record(
        session,
        action="user.create",
        actor=None,
        actor_label=f"telegram:{identity.id}",
        entity_type="user",
        entity_id=user.id,
        after=snapshot(user),
        detail="telegram",
    )
    # Staff chats hear about users waiting for approval (telegram/notifications.py).
    record_event(
        session,
        type="user.created",
        aggregate_type="user",
        aggregate_id=user.id,
        payload={
            "id": user.id,
            "status": user.status,
            "role": user.role,
            "display_name": user.display_name,
            "username": identity.username,
            "telegram_id": identity.id,
        },
    )
    return user, True
