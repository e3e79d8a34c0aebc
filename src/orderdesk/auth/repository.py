"""All SQL of users, login sessions and refresh tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import AuthSession, RefreshToken, User
from orderdesk.core.pagination import (
    AnySelect,
    Page,
    PageRequest,
    date_range,
    finish_page,
    paginate_statement,
    search_clause,
)
from orderdesk.db.query import Prepared, fetch_all, fetch_one
from orderdesk.realtime.events import SESSIONS_REVOKED
from orderdesk.realtime.outbox import record_event

USER_COLUMNS = (
    User.id,
    User.username,
    User.email,
    User.telegram_id,
    User.display_name,
    User.phone,
    User.locale,
    User.role,
    User.status,
    User.unit_id,
    User.last_login_at,
    User.locked_until,
    User.created_at,
    User.updated_at,
    User.version,
)
USER_SORTS = {
    "id": User.id,
    "created_at": User.created_at,
    "display_name": User.display_name,
    "role": User.role,
}


async def get_user(session: AsyncSession, user_id: int, *, for_update: bool = False) -> User | None:
    stmt = select(User).where(User.id == user_id)
    if for_update:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_user_by_login(session: AsyncSession, login: str) -> User | None:
    """Find a user by username or e-mail, case-insensitively."""
    login = login.strip().lower()
    stmt = select(User).where((User.username == login) | (User.email == login)).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_user_row(session: AsyncSession, user_id: int) -> dict[str, Any] | None:
    return await fetch_one(session, select(*USER_COLUMNS).where(User.id == user_id))


async def exists(session: AsyncSession, column: Any, value: Any, exclude_id: int | None) -> bool:
    stmt: AnySelect = select(User.id).where(column == value)
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return (await session.execute(stmt.limit(1))).first() is not None


async def count_active_admins(session: AsyncSession) -> int:
    stmt = select(func.count()).where(User.role == "admin", User.status == "active")
    return int((await session.execute(stmt)).scalar_one())


async def list_users(
    session: AsyncSession,
    page: PageRequest,
    *,
    role: str | None = None,
    status: str | None = None,
    unit_id: int | None = None,
    q: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Page:
    stmt = select(*USER_COLUMNS)
    conds: list[Any] = date_range(User.created_at, created_from, created_to)
    if role:
        conds.append(User.role == role)
    if status:
        conds.append(User.status == status)
    if unit_id is not None:
        conds.append(User.unit_id == unit_id)
    if (found := search_clause(User.search_text, q)) is not None:
        conds.append(found)
    stmt, key, _ = paginate_statement(stmt.where(*conds), page, USER_SORTS, User.id)
    rows = await fetch_all(session, stmt)
    return finish_page(rows, page, key)


_PRINCIPAL = Prepared(
    select(
        User.role,
        User.unit_id,
        User.status,
        User.username,
        AuthSession.revoked_at,
        AuthSession.expires_at,
    )
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(User.id == bindparam("user_id"), AuthSession.id == bindparam("session_id"))
)


async def session_principal_row(
    session: AsyncSession, *, user_id: int, session_id: int
) -> dict[str, Any] | None:
    """The user and login session behind an access token, in one query (runs per request)."""
    return await _PRINCIPAL.one(session, user_id=user_id, session_id=session_id)


async def get_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    stmt = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def mark_refresh_used(session: AsyncSession, token_id: int, now: datetime) -> bool:
    """Mark a refresh token used; False if another request used it first."""
    stmt = (
        update(RefreshToken)
        .where(RefreshToken.id == token_id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    result = await session.execute(stmt)
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def get_auth_session(session: AsyncSession, session_id: int) -> AuthSession | None:
    return await session.get(AuthSession, session_id)


async def revoke_sessions(
    session: AsyncSession,
    *,
    user_id: int | None = None,
    session_id: int | None = None,
    reason: str,
    now: datetime,
    except_session_id: int | None = None,
) -> None:
    stmt = update(AuthSession).where(AuthSession.revoked_at.is_(None))
    if except_session_id is not None:
        stmt = stmt.where(AuthSession.id != except_session_id)
    if session_id is not None:
        stmt = stmt.where(AuthSession.id == session_id)
    if user_id is not None:
        stmt = stmt.where(AuthSession.user_id == user_id)
    await session.execute(stmt.values(revoked_at=now, revoked_reason=reason))
    # Open WebSockets of these sessions close when this commits (realtime/hub.py).
    record_event(
        session,
        type=SESSIONS_REVOKED,
        aggregate_type="session",
        aggregate_id=session_id if session_id is not None else f"user:{user_id}",
        payload={
            "user_id": user_id,
            "session_id": session_id,
            "except_session_id": except_session_id,
            "reason": reason,
        },
    )
