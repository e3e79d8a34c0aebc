"""Administrative user operations for the CLI and first start, outside any HTTP request."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from orderdesk.auth import repository as repo
from orderdesk.auth import users
from orderdesk.auth.models import User
from orderdesk.auth.schemas import UserCreate, UserUpdate
from orderdesk.container import Container
from orderdesk.core.errors import NotFound
from orderdesk.core.pagination import PageRequest
from orderdesk.core.permissions import Principal


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


async def change_user(container: Container, user: str, **change: Any) -> dict[str, Any]:
    """Update a user named by username or id, as the system."""
    async with container.write_sessions() as session:
        stmt = select(User.id).where(User.username == user.lower())
        if user.isdigit():
            stmt = select(User.id).where((User.id == int(user)) | (User.username == user))
        user_id = (await session.execute(stmt)).scalar()
        if user_id is None:
            raise NotFound("user.not_found", id=user)
        row = await users.update_user(
            session=session,
            passwords=container.passwords,
            principal=Principal.system(),
            user_id=user_id,
            data=UserUpdate(**change),
        )
        await session.commit()
    return row
