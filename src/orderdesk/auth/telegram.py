"""Logging in with Telegram (Mini App initData, Login Widget) or a one-time link; linking accounts.

Every attempt is audited; failures commit their audit entry. Login rate limits are those of the
password login: the per-address budget is shared, the per-account one is keyed `tg:<id>`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.auth import repository as repo
from orderdesk.auth.links import consume_login_link
from orderdesk.auth.models import User
from orderdesk.auth.service import TokenPair, login_as
from orderdesk.auth.tokens import TokenCodec
from orderdesk.auth.users import user_search_text
from orderdesk.backends.ratelimit import RateLimiter
from orderdesk.core.context import request_context
from orderdesk.core.errors import Conflict, Forbidden, NotFound, RateLimited, Unauthorized
from orderdesk.core.i18n import register
from orderdesk.core.permissions import Principal
from orderdesk.settings import Settings
from orderdesk.telegram.accounts import TelegramIdentity, find_user, user_for_telegram
from orderdesk.telegram.verify import TelegramAuthError, verify_init_data, verify_login_widget

register(
    {
        "tg_auth.disabled": {
            "en": "Telegram login is not configured on this server.",
            "ru": "Вход через Telegram на этом сервере не настроен.",
        },
        "tg_auth.pending": {
            "en": "Your account is waiting for an administrator's approval.",
            "ru": "Ваша учётная запись ожидает одобрения администратора.",
        },
        "tg_auth.blocked": {
            "en": "Your account is blocked; contact an administrator.",
            "ru": "Ваша учётная запись заблокирована; обратитесь к администратору.",
        },
        "tg_auth.not_linked": {
            "en": "This Telegram account is not linked to any user: open the bot first, or log "
            "in with your password and link Telegram in your profile.",
            "ru": "Этот аккаунт Telegram не привязан ни к одному пользователю: сначала откройте "
            "бота или войдите по паролю и привяжите Telegram в профиле.",
        },
        "tg_auth.taken": {
            "en": "This Telegram account is already linked to another user.",
            "ru": "Этот аккаунт Telegram уже привязан к другому пользователю.",
        },
        "tg_auth.already_linked": {
            "en": "Your account is linked to another Telegram account; unlink it first.",
            "ru": "Ваша учётная запись привязана к другому аккаунту Telegram; "
            "сначала отвяжите его.",
        },
        "tg_auth.only_login": {
            "en": "Telegram is this account's only way to log in; set a password before unlinking.",
            "ru": "Telegram — единственный способ входа в эту учётную запись; задайте пароль, "
            "прежде чем отвязывать его.",
        },
        "tg_auth.one_credential": {
            "en": "Send either init_data or widget, not both and not neither.",
            "ru": "Передайте либо init_data, либо widget (ровно одно из двух).",
        },
    }
)


def ensure_enabled(settings: Settings) -> None:
    """Telegram routes do not exist while no bot token is configured (404)."""
    if not settings.telegram_enabled:
        raise NotFound("tg_auth.disabled")


async def login_with_init_data(
    *,
    session: AsyncSession,
    settings: Settings,
    tokens: TokenCodec,
    limiter: RateLimiter,
    init_data: str,
) -> TokenPair:
    """Exchange verified Mini App initData for tokens; a new Telegram user becomes a customer."""
    ensure_enabled(settings)
    await _limit(session, settings, limiter, "login-ip", request_context().ip or "-")
    identity = await _verified(session, "telegram_webapp", lambda: _mini_app(settings, init_data))
    await _limit(session, settings, limiter, "login-user", f"tg:{identity.id}")
    user, _ = await user_for_telegram(session, identity, status=settings.telegram_new_user_status)
    return await _login_active(session, tokens, user, "telegram_webapp")


async def login_with_widget(
    *,
    session: AsyncSession,
    settings: Settings,
    tokens: TokenCodec,
    limiter: RateLimiter,
    data: Mapping[str, object],
) -> TokenPair:
    """Exchange a verified Login Widget payload for tokens (linked users, or new customers)."""
    ensure_enabled(settings)
    await _limit(session, settings, limiter, "login-ip", request_context().ip or "-")
    identity = await _verified(session, "telegram_widget", lambda: _widget(settings, data))
    await _limit(session, settings, limiter, "login-user", f"tg:{identity.id}")
    if settings.telegram_widget_creates_users:
        user, _ = await user_for_telegram(
            session, identity, status=settings.telegram_new_user_status
        )
    else:
        found = await find_user(session, identity.id)
        if found is None:
            await _fail(session, "auth.login_failed", f"telegram:{identity.id}", "not_linked")
            raise Unauthorized("tg_auth.not_linked", commit=True)
        user = found
    return await _login_active(session, tokens, user, "telegram_widget")


async def login_with_link(
    *,
    session: AsyncSession,
    settings: Settings,
    tokens: TokenCodec,
    limiter: RateLimiter,
    token: str,
) -> TokenPair:
    """Spend a one-time login link and open a login session for its user."""
    await _limit(session, settings, limiter, "login-ip", request_context().ip or "-")
    user = await consume_login_link(session, token=token)  # audited; 401 on any failure
    return await login_as(session, tokens, user, method="login_link")


async def link_telegram(
    *,
    session: AsyncSession,
    settings: Settings,
    principal: Principal,
    init_data: str | None = None,
    widget: Mapping[str, object] | None = None,
) -> User:
    """Link a verified Telegram account to the logged-in user (409 if someone else has it)."""
    ensure_enabled(settings)
    if (init_data is None) == (widget is None):
        raise Unauthorized("tg_auth.one_credential")
    identity = await _verified(
        session,
        "telegram_link",
        lambda: _widget(settings, widget) if widget is not None else _mini_app(settings, init_data),
    )
    user = await _own_user(session, principal)
    if user.telegram_id == identity.id:
        return user
    owner = await find_user(session, identity.id)
    if owner is not None:
        await _fail(session, "user.telegram_link", f"telegram:{identity.id}", "taken", principal)
        raise Conflict("tg_auth.taken", commit=True)
    if user.telegram_id is not None:
        raise Conflict("tg_auth.already_linked")
    try:
        async with session.begin_nested():
            _set_telegram(user, identity.id)
            await session.flush()
    except IntegrityError as exc:  # linked elsewhere at the same moment
        raise Conflict("tg_auth.taken") from exc
    await audit.record(
        session,
        action="user.telegram_link",
        actor=principal,
        entity_type="user",
        entity_id=user.id,
        after={"telegram_id": identity.id},
    )
    return user


async def unlink_telegram(*, session: AsyncSession, principal: Principal) -> User:
    """Remove the logged-in user's Telegram link (refused if it is their only way in)."""
    user = await _own_user(session, principal)
    if user.telegram_id is None:
        return user
    if user.password_hash is None:
        raise Conflict("tg_auth.only_login")
    before = {"telegram_id": user.telegram_id}
    _set_telegram(user, None)
    await session.flush()
    await audit.record(
        session,
        action="user.telegram_unlink",
        actor=principal,
        entity_type="user",
        entity_id=user.id,
        before=before,
    )
    return user


def _mini_app(settings: Settings, init_data: str | None) -> TelegramIdentity:
    return verify_init_data(
        init_data,
        token=settings.telegram_bot_token,
        max_age_seconds=settings.telegram_init_data_max_age_seconds,
    ).identity


def _widget(settings: Settings, data: Mapping[str, object] | None) -> TelegramIdentity:
    return verify_login_widget(
        data or {},
        token=settings.telegram_bot_token,
        max_age_seconds=settings.telegram_login_max_age_seconds,
    ).identity


def _set_telegram(user: User, telegram_id: int | None) -> None:
    user.telegram_id = telegram_id
    user.search_text = user_search_text(user)
    user.version += 1


async def _own_user(session: AsyncSession, principal: Principal) -> User:
    assert principal.user_id is not None
    user = await repo.get_user(session, principal.user_id, for_update=True)
    if user is None:
        raise Unauthorized("auth.session_ended")
    return user


async def _verified(
    session: AsyncSession, method: str, check: Callable[[], TelegramIdentity]
) -> TelegramIdentity:
    """Run a verification; a failure is audited (and committed) before it answers 401."""
    try:
        identity = check()
    except TelegramAuthError as exc:
        await _fail(session, "auth.login_failed", method, exc.reason)
        exc.commit = True
        raise
    return identity


async def _login_active(
    session: AsyncSession, tokens: TokenCodec, user: User, method: str
) -> TokenPair:
    if user.status != "active":
        await audit.record(
            session,
            action="auth.login_inactive",
            actor=None,
            actor_label=f"telegram:{user.telegram_id}",
            entity_type="user",
            entity_id=user.id,
            success=False,
            detail=method,
        )
        key = "tg_auth.pending" if user.status == "pending" else "tg_auth.blocked"
        raise Forbidden(key, commit=True)  # commit: a user created just now stays, pending
    return await login_as(session, tokens, user, method=method)


async def _limit(
    session: AsyncSession, settings: Settings, limiter: RateLimiter, bucket: str, key: str
) -> None:
    rate = settings.login_rate_per_ip if bucket == "login-ip" else settings.login_rate_per_username
    try:
        await limiter.hit(rate, bucket, key)
    except RateLimited as exc:
        await _fail(session, "auth.login_rate_limited", key, bucket)
        exc.commit = True
        raise


async def _fail(
    session: AsyncSession,
    action: str,
    label: str,
    detail: str,
    principal: Principal | None = None,
) -> None:
    await audit.record(
        session,
        action=action,
        actor=principal,
        actor_label=None if principal else label[:100],
        entity_type="user",
        entity_id=principal.user_id if principal else None,
        success=False,
        detail=detail[:200],
    )
