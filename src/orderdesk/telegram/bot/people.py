"""Small use cases the bot needs on users: the shared phone, approving or blocking newcomers."""

from __future__ import annotations

import re

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.auth import repository as users_repo
from orderdesk.auth.models import User
from orderdesk.auth.users import snapshot, user_search_text
from orderdesk.core.errors import Conflict, Forbidden, NotFound
from orderdesk.core.permissions import Principal, Role

MODERATORS = (Role.admin, Role.manager)


def normalise_phone(phone: str) -> str:
    digits = re.sub(r"[^\d]", "", phone)[:15]
    return f"+{digits}" if digits else ""


async def save_phone(session: AsyncSession, *, user: User, phone: str) -> str:
    """Store the phone the user shared from Telegram (their own contact only)."""
    before = snapshot(user)
    user.phone = normalise_phone(phone)
    user.search_text = user_search_text(user)
    user.version += 1
    await audit.record(
        session,
        action="user.update",
        actor=None,
        actor_label=f"telegram:{user.telegram_id}",
        entity_type="user",
        entity_id=user.id,
        before=before,
        after=snapshot(user),
        detail="telegram phone",
    )
    await session.flush()
    return user.phone


async def decide_pending(
    session: AsyncSession, *, principal: Principal, user_id: int, status: str
) -> User:
    """A manager or admin approves (active) or blocks a user waiting for approval (VHM24R)."""
    if principal.role not in MODERATORS or status not in ("active", "blocked"):
        raise Forbidden("auth.permission", role=principal.role.value)
    user = await users_repo.get_user(session, user_id, for_update=True)
    if user is None:
        raise NotFound("user.not_found", id=user_id)
    if user.status != "pending":
        raise Conflict("bot.pending.not_pending")
    before = snapshot(user)
    user.status = status
    user.version += 1
    await audit.record(
        session,
        action="user.update",
        actor=principal,
        entity_type="user",
        entity_id=user.id,
        before=before,
        after=snapshot(user),
        detail="telegram moderation",
    )
    await session.flush()
    return user
