"""One-time login links: a 256-bit random token, stored hashed, single use, short-lived."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.auth import messages  # noqa: F401  (its texts)
from orderdesk.auth.models import LoginLink, User
from orderdesk.auth.tokens import hash_token
from orderdesk.core.errors import Unauthorized
from orderdesk.db.types import utcnow
from orderdesk.settings import Settings

LINKS = cast(Table, LoginLink.__table__)
LINK_PATH = "/auth/link/"


async def issue_login_link(
    session: AsyncSession, *, user: User, settings: Settings, via: str = "telegram"
) -> str:
    """A new one-time login URL for `user` (valid `login_link_ttl_seconds`), audited."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        LoginLink(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=now + timedelta(seconds=settings.login_link_ttl_seconds),
            issued_via=via,
        )
    )
    await session.flush()
    await audit.record(
        session,
        action="auth.login_link.issue",
        actor=None,
        actor_label=f"{via}:{user.telegram_id or user.id}",
        entity_type="user",
        entity_id=user.id,
        detail=via,
    )
    return f"{settings.public_url.rstrip('/')}{LINK_PATH}{token}"


async def consume_login_link(session: AsyncSession, *, token: str) -> User:
    """The active user a valid, unused, unexpired link belongs to; the link is spent at once.

    One UPDATE … WHERE used_at IS NULL spends the link, so of two concurrent uses one wins.
    Any failure is audited (and committed) and answers 401 without saying which check failed.
    """
    now = utcnow()
    spent = (
        await session.execute(
            update(LINKS)
            .where(
                LINKS.c.token_hash == hash_token(token),
                LINKS.c.used_at.is_(None),
                LINKS.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(LINKS.c.user_id)
        )
    ).scalar_one_or_none()
    user = await session.get(User, spent) if spent is not None else None
    if user is None or user.status != "active":
        await audit.record(
            session,
            action="auth.login_link.use",
            actor=None,
            actor_label="login-link",
            entity_type="user",
            entity_id=user.id if user is not None else None,
            success=False,
        )
        raise Unauthorized("auth.login_link_invalid", commit=True)
    await audit.record(
        session, action="auth.login_link.use", actor=None, entity_type="user", entity_id=user.id
    )
    return user


async def purge_expired_links(session: AsyncSession, *, older_than: timedelta) -> int:
    """Delete links that expired more than `older_than` ago; the number deleted."""
    from sqlalchemy import delete

    cutoff = utcnow() - older_than
    result = await session.execute(delete(LINKS).where(LINKS.c.expires_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


async def links_of(session: AsyncSession, user_id: int) -> list[LoginLink]:
    """A user's links, newest first (tests, admin views)."""
    rows = await session.execute(
        select(LoginLink).where(LoginLink.user_id == user_id).order_by(LoginLink.id.desc())
    )
    return list(rows.scalars())
