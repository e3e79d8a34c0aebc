"""Login, token refresh with rotation and reuse detection, logout, lockout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.auth import messages  # noqa: F401
from orderdesk.auth import repository as repo
from orderdesk.auth.models import AuthSession, RefreshToken, User
from orderdesk.auth.passwords import Passwords
from orderdesk.auth.tokens import TokenCodec, hash_token, new_refresh_token
from orderdesk.backends.ratelimit import RateLimiter
from orderdesk.core.context import request_context
from orderdesk.core.errors import Locked, RateLimited, Unauthorized
from orderdesk.core.permissions import Principal, Role
from orderdesk.db.types import utcnow
from orderdesk.settings import Settings


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int
    token_type: str = "bearer"  # noqa: S105


def principal_of(user: User, session_id: int | None = None) -> Principal:
    return Principal(
        user_id=user.id,
        role=Role(user.role),
        unit_id=user.unit_id,
        username=user.username or user.display_name,
        session_id=session_id,
    )


async def principal_from_token(
    *, session: AsyncSession, tokens: TokenCodec, token: str
) -> Principal:
    """Resolve an access token; a revoked session or an inactive user ends access at once."""
    claims = tokens.decode_access(token)
    row = await repo.session_principal_row(
        session, user_id=claims.user_id, session_id=claims.session_id
    )
    if row is None or row["revoked_at"] is not None or row["status"] != "active":
        raise Unauthorized("auth.session_ended")
    if row["expires_at"] <= utcnow():
        raise Unauthorized("auth.session_ended")
    return Principal(
        user_id=claims.user_id,
        role=Role(row["role"]),
        unit_id=row["unit_id"],
        username=row["username"] or "",
        session_id=claims.session_id,
    )


async def login(
    *,
    session: AsyncSession,
    settings: Settings,
    passwords: Passwords,
    tokens: TokenCodec,
    limiter: RateLimiter,
    username: str,
    password: str,
) -> TokenPair:
    """Check the password, apply limits and lockout, open a login session, issue tokens."""
    now = utcnow()
    label = username.strip()[:100]
    try:
        await limiter.hit(settings.login_rate_per_ip, "login-ip", request_context().ip or "-")
        await limiter.hit(settings.login_rate_per_username, "login-user", label.lower())
    except RateLimited as exc:
        await audit.record(
            session, action="auth.login_rate_limited", actor=None, actor_label=label, success=False
        )
        exc.commit = True
        raise
    user = await repo.get_user_by_login(session, username)
    if user is not None and user.locked_until is not None and user.locked_until > now:
        await audit.record(
            session,
            action="auth.login_locked",
            actor=None,
            actor_label=label,
            entity_type="user",
            entity_id=user.id,
            success=False,
        )
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        retry = str(int((user.locked_until - now).total_seconds()) + 1)
        raise Locked("auth.locked", minutes=minutes, headers={"Retry-After": retry}, commit=True)
    ok = passwords.verify(password, user.password_hash if user else None)
    if user is None or not ok:
        await _register_failure(session, settings, user, label, now)
        raise Unauthorized("auth.bad_credentials", commit=True)
    if user.status != "active":
        await audit.record(
            session,
            action="auth.login_inactive",
            actor=None,
            actor_label=label,
            entity_type="user",
            entity_id=user.id,
            success=False,
        )
        raise Unauthorized("auth.not_active", status=user.status, commit=True)
    return await login_as(session, tokens, user, method="password")


async def login_as(
    session: AsyncSession, tokens: TokenCodec, user: User, *, method: str
) -> TokenPair:
    """Open a login session for an already authenticated, active user; audited with `method`.

    The one way every login (password, Telegram, one-time link) ends: callers verify the
    credential and the user's status first; this refuses a non-active user all the same.
    """
    if user.status != "active":
        raise Unauthorized("auth.not_active", status=user.status)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = utcnow()
    pair = await _open_session(session, tokens, user)
    await audit.record(
        session,
        action="auth.login",
        actor=principal_of(user),
        entity_type="user",
        entity_id=user.id,
        detail="" if method == "password" else method,
    )
    return pair


async def _register_failure(
    session: AsyncSession, settings: Settings, user: User | None, label: str, now: object
) -> None:
    detail = ""
    if user is not None:
        user.failed_logins += 1
        if user.failed_logins >= settings.lockout_threshold:
            user.locked_until = utcnow() + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            detail = "locked"
            await audit.record(
                session,
                action="auth.lockout",
                actor=None,
                actor_label=label,
                entity_type="user",
                entity_id=user.id,
                success=False,
            )
    await audit.record(
        session,
        action="auth.login_failed",
        actor=None,
        actor_label=label,
        entity_type="user",
        entity_id=user.id if user else None,
        success=False,
        detail=detail,
    )


async def _open_session(session: AsyncSession, tokens: TokenCodec, user: User) -> TokenPair:
    now = utcnow()
    ctx = request_context()
    auth_session = AuthSession(
        user_id=user.id,
        created_at=now,
        last_used_at=now,
        expires_at=now + tokens.refresh_ttl,
        ip=ctx.ip,
        user_agent=(ctx.user_agent or "")[:300] or None,
    )
    session.add(auth_session)
    await session.flush()
    return await _issue_pair(session, tokens, user, auth_session)


async def _issue_pair(
    session: AsyncSession, tokens: TokenCodec, user: User, auth_session: AuthSession
) -> TokenPair:
    now = utcnow()
    refresh, refresh_hash = new_refresh_token()
    session.add(RefreshToken(session_id=auth_session.id, token_hash=refresh_hash, issued_at=now))
    access = tokens.issue_access(
        user_id=user.id, session_id=auth_session.id, role=user.role, now=now
    )
    await session.flush()
    return TokenPair(access, refresh, int(tokens.access_ttl.total_seconds()))


async def refresh(*, session: AsyncSession, tokens: TokenCodec, refresh_token: str) -> TokenPair:
    """Rotate a refresh token; presenting a used one revokes its whole family."""
    now = utcnow()
    stored = await repo.get_refresh_token(session, hash_token(refresh_token))
    if stored is None:
        raise Unauthorized("auth.refresh_invalid")
    auth_session = await repo.get_auth_session(session, stored.session_id)
    if (
        auth_session is None
        or auth_session.revoked_at is not None
        or auth_session.expires_at <= now
    ):
        raise Unauthorized("auth.refresh_invalid")
    if stored.used_at is not None or not await repo.mark_refresh_used(session, stored.id, now):
        await repo.revoke_sessions(session, session_id=auth_session.id, reason="reuse", now=now)
        await audit.record(
            session,
            action="auth.refresh_reuse",
            actor=None,
            entity_type="session",
            entity_id=auth_session.id,
            success=False,
        )
        raise Unauthorized("auth.refresh_reused", commit=True)
    user = await repo.get_user(session, auth_session.user_id)
    if user is None or user.status != "active":
        raise Unauthorized("auth.session_ended")
    auth_session.last_used_at = now
    return await _issue_pair(session, tokens, user, auth_session)


async def logout(*, session: AsyncSession, principal: Principal, everywhere: bool = False) -> None:
    """End this login session (or every session of the user); their tokens stop working."""
    now = utcnow()
    if everywhere:
        await repo.revoke_sessions(session, user_id=principal.user_id, reason="logout_all", now=now)
    else:
        await repo.revoke_sessions(
            session, session_id=principal.session_id, reason="logout", now=now
        )
    await audit.record(
        session,
        action="auth.logout",
        actor=principal,
        entity_type="user",
        entity_id=principal.user_id,
        detail="everywhere" if everywhere else "",
    )


async def change_password(
    *,
    session: AsyncSession,
    passwords: Passwords,
    principal: Principal,
    current_password: str,
    new_password: str,
) -> None:
    """Change one's own password; every other login session is revoked."""
    assert principal.user_id is not None
    user = await repo.get_user(session, principal.user_id, for_update=True)
    if user is None:
        raise Unauthorized("auth.session_ended")
    if not passwords.verify(current_password, user.password_hash):
        await audit.record(
            session,
            action="auth.password_change_failed",
            actor=principal,
            entity_type="user",
            entity_id=user.id,
            success=False,
        )
        raise Unauthorized("auth.wrong_password", commit=True)
    passwords.check_policy(new_password, username=user.username, field="new_password")
    user.password_hash = passwords.hash(new_password)
    user.version += 1
    now = utcnow()
    await repo.revoke_sessions(
        session,
        user_id=user.id,
        reason="password_changed",
        now=now,
        except_session_id=principal.session_id,
    )
    await audit.record(
        session,
        action="auth.password_changed",
        actor=principal,
        entity_type="user",
        entity_id=user.id,
    )
