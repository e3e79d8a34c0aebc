"""Administrative user operations for the CLI and first start, outside any HTTP request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth import repository as repo
from orderdesk.auth import users
from orderdesk.auth.models import User
from orderdesk.auth.schemas import UserCreate, UserUpdate
from orderdesk.container import Container
from orderdesk.core.errors import Conflict, NotFound
from orderdesk.core.pagination import PageRequest
from orderdesk.core.permissions import Principal
from orderdesk.telegram.accounts import find_user


async def create_admin(container: Container, *, username: str, password: str) -> dict[str, Any]:
    data = UserCreate(username=username, password=password, role="admin", display_name=username)
    async with container.write_sessions() as session:
        row = await users.create_user(
            session=session, passwords=container.passwords, principal=Principal.system(), data=data
        )
        await session.commit()
    return row


async def ensure_admin(container: Container, *, username: str, password: str) -> bool:
    """Create an administrator unless one exists; True if one was created."""
    async with container.read_sessions() as session:
        if await repo.count_active_admins(session):
            return False
        taken = await repo.exists(session, User.username, username, None)
    await create_admin(
        container, username=username if not taken else f"{username}2", password=password
    )
    return True


async def list_users(
    container: Container, *, role: str | None, status: str | None
) -> list[dict[str, Any]]:
    async with container.read_sessions() as session:
        page = await repo.list_users(
            session, PageRequest(limit=500, sort="id"), role=role, status=status
        )
    return page.items


async def resolve_user(session: AsyncSession, user: str) -> int:
    """A user's id from `username`, `id:N`, `tg:N`, or bare digits (an id or a Telegram id).

    Bare digits that name two different users (one's id, another's Telegram id) are refused:
    the caller must say `id:N` or `tg:N`.
    """
    text = user.strip()
    kind, _, value = text.partition(":")
    if kind in ("id", "tg") and value.isdigit():
        column = User.id if kind == "id" else User.telegram_id
        found = (await session.execute(select(User.id).where(column == int(value)))).scalar()
    elif text.isdigit():
        number = int(text)
        rows = await session.execute(
            select(User.id).where(
                (User.id == number) | (User.telegram_id == number) | (User.username == text)
            )
        )
        matches = set(rows.scalars())
        if len(matches) > 1:
            raise Conflict("user.ambiguous", user=text)
        found = matches.pop() if matches else None
    else:
        found = (
            await session.execute(select(User.id).where(User.username == text.lower()))
        ).scalar()
    if found is None:
        raise NotFound("user.not_found", id=user)
    return int(found)


async def change_user(container: Container, user: str, **change: Any) -> dict[str, Any]:
    """Update a user named by username, id or Telegram id (see `resolve_user`), as the system."""
    async with container.write_sessions() as session:
        user_id = await resolve_user(session, user)
        row = await users.update_user(
            session=session,
            passwords=container.passwords,
            principal=Principal.system(),
            user_id=user_id,
            data=UserUpdate(**change),
        )
        await session.commit()
    return row


async def make_admin(
    container: Container, telegram_id: int, *, super_admin: bool
) -> tuple[dict[str, Any], bool]:
    """Give the Telegram user the admin (super) or manager role, creating them if unknown."""
    role = "admin" if super_admin else "manager"
    system = Principal.system()
    async with container.write_sessions() as session:
        found = await find_user(session, telegram_id)
        if found is None:
            data = UserCreate(
                telegram_id=telegram_id, display_name=f"Telegram {telegram_id}", role=role
            )
            row = await users.create_user(
                session=session, passwords=container.passwords, principal=system, data=data
            )
        else:
            row = await users.update_user(
                session=session,
                passwords=container.passwords,
                principal=system,
                user_id=found.id,
                data=UserUpdate(role=role),
            )
        await session.commit()
    return row, found is None


async def remove_admin(container: Container, telegram_id: int) -> dict[str, Any]:
    """Make an admin or manager with this Telegram id a customer again."""
    async with container.write_sessions() as session:
        found = await find_user(session, telegram_id)
        if found is None:
            raise NotFound("user.not_found", id=f"tg:{telegram_id}")
        row = await users.update_user(
            session=session,
            passwords=container.passwords,
            principal=Principal.system(),
            user_id=found.id,
            data=UserUpdate(role="customer"),
        )
        await session.commit()
    return row


async def list_admins(container: Container) -> list[dict[str, Any]]:
    """Admins first, then managers (every status)."""
    rows = []
    for role in ("admin", "manager"):
        rows.extend(await list_users(container, role=role, status=None))
    return rows
