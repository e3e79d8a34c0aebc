"""User management use cases (admins) — create, update, role, approval, block."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.auth import messages  # noqa: F401  (user texts, also for the CLI)
from orderdesk.auth import repository as repo
from orderdesk.auth.models import User
from orderdesk.auth.passwords import Passwords
from orderdesk.auth.schemas import UserCreate, UserUpdate
from orderdesk.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from orderdesk.core.pagination import Page, PageRequest, search_text
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.db.types import utcnow
from orderdesk.units import repository as units_repo

SNAPSHOT_FIELDS = (
    "username",
    "email",
    "display_name",
    "phone",
    "locale",
    "role",
    "status",
    "unit_id",
)


def snapshot(user: User) -> dict[str, Any]:
    return {field: getattr(user, field) for field in SNAPSHOT_FIELDS}


def user_search_text(user: User) -> str:
    return search_text(user.username, user.email, user.display_name, user.phone, user.telegram_id)


async def _check_unique(session: AsyncSession, data: dict[str, Any], exclude: int | None) -> None:
    errors = []
    for field in ("username", "email", "telegram_id"):
        value = data.get(field)
        if value is not None and await repo.exists(session, getattr(User, field), value, exclude):
            errors.append(FieldError(field, "taken"))
    if data.get("unit_id") is not None and not await units_repo.exists(session, data["unit_id"]):
        errors.append(FieldError("unit_id", "not_found"))
    if errors:
        raise ValidationFailed(errors)


async def create_user(
    *, session: AsyncSession, passwords: Passwords, principal: Principal, data: UserCreate
) -> dict[str, Any]:
    """Create a user; a password is checked against the policy and stored as argon2."""
    ensure(principal, Permission.users_manage)
    values = data.model_dump(exclude={"password"})
    if values.get("email"):
        values["email"] = values["email"].lower()
    if not (data.username or data.email or data.telegram_id):
        raise ValidationFailed([FieldError("username", "missing")])
    await _check_unique(session, values, None)
    user = User(**values)
    if data.password is not None:
        passwords.check_policy(data.password, username=data.username)
        user.password_hash = passwords.hash(data.password)
    user.search_text = user_search_text(user)
    session.add(user)
    try:
        await session.flush()
    except IntegrityError as exc:  # a concurrent create took the name
        raise Conflict("user.conflict") from exc
    await audit.record(
        session,
        action="user.create",
        actor=principal,
        entity_type="user",
        entity_id=user.id,
        after=snapshot(user),
    )
    return await get_user(session=session, principal=principal, user_id=user.id)


async def get_user(*, session: AsyncSession, principal: Principal, user_id: int) -> dict[str, Any]:
    if principal.user_id != user_id:
        ensure(principal, Permission.users_read)
    row = await repo.get_user_row(session, user_id)
    if row is None:
        raise NotFound("user.not_found", id=user_id)
    return row


async def list_users(
    *, session: AsyncSession, principal: Principal, page: PageRequest, **filters: Any
) -> Page:
    ensure(principal, Permission.users_read)
    return await repo.list_users(session, page, **filters)


async def update_user(
    *,
    session: AsyncSession,
    passwords: Passwords,
    principal: Principal,
    user_id: int,
    data: UserUpdate,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change a user's profile, role, unit or status; blocking ends their sessions."""
    ensure(principal, Permission.users_manage)
    from orderdesk.core.http import check_version

    user = await repo.get_user(session, user_id, for_update=True)
    if user is None:
        raise NotFound("user.not_found", id=user_id)
    check_version(user.version, expected_version)
    values = data.model_dump(exclude_unset=True, exclude={"password"})
    if values.get("email"):
        values["email"] = values["email"].lower()
    await _check_unique(session, values, user.id)
    await _guard_admin_change(session, principal, user, values)
    before = snapshot(user)
    for field, value in values.items():
        setattr(user, field, value)
    if data.password is not None:
        passwords.check_policy(data.password, username=user.username)
        user.password_hash = passwords.hash(data.password)
        values["password"] = "***"
    changes = audit.diff(before, snapshot(user))
    if changes or data.password is not None:
        user.version += 1
        user.search_text = user_search_text(user)
        if user.status != "active" or data.password is not None:
            await repo.revoke_sessions(session, user_id=user.id, reason="admin", now=utcnow())
        await audit.record(
            session,
            action="user.update",
            actor=principal,
            entity_type="user",
            entity_id=user.id,
            before=before,
            after=snapshot(user),
        )
        await audit.record_field_changes(
            session, entity_type="user", entity_id=user.id, changes=changes, actor=principal
        )
    await session.flush()
    return await get_user(session=session, principal=principal, user_id=user.id)


async def _guard_admin_change(
    session: AsyncSession, principal: Principal, user: User, values: dict[str, Any]
) -> None:
    demotes = (
        values.get("role", user.role) != "admin" or values.get("status", user.status) != "active"
    )
    if user.id == principal.user_id and ("role" in values or "status" in values) and demotes:
        raise Conflict("user.self_demote")
    last_admin = user.role == "admin" and user.status == "active" and demotes
    if last_admin and await repo.count_active_admins(session) <= 1:
        raise Conflict("user.last_admin")
