"""All SQL of attachments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.db.query import fetch_all, fetch_one
from orderdesk.db.types import utcnow
from orderdesk.files.models import Attachment

COLUMNS = (
    Attachment.id,
    Attachment.owner_type,
    Attachment.owner_id,
    Attachment.original_name,
    Attachment.content_type,
    Attachment.size,
    Attachment.sha256,
    Attachment.category,
    Attachment.is_current,
    Attachment.uploaded_by_id,
    Attachment.created_at,
    Attachment.updated_at,
    Attachment.version,
)
MAX_LISTED = 1000


async def get_row(session: AsyncSession, attachment_id: int) -> dict[str, Any] | None:
    """The attachment's public columns plus its storage key."""
    stmt = select(*COLUMNS, Attachment.storage_key).where(Attachment.id == attachment_id)
    return await fetch_one(session, stmt)


async def get(session: AsyncSession, attachment_id: int) -> Attachment | None:
    stmt = select(Attachment).where(Attachment.id == attachment_id).with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def list_for_owner(
    session: AsyncSession, owner_type: str, owner_id: int, category: str | None = None
) -> list[dict[str, Any]]:
    """An owner's attachments, newest first."""
    stmt = select(*COLUMNS).where(
        Attachment.owner_type == owner_type, Attachment.owner_id == owner_id
    )
    if category is not None:
        stmt = stmt.where(Attachment.category == category)
    stmt = stmt.order_by(Attachment.created_at.desc(), Attachment.id.desc()).limit(MAX_LISTED)
    return await fetch_all(session, stmt)


async def clear_current(session: AsyncSession, attachment: Attachment) -> list[int]:
    """Unset the current flag of the other attachments of the same owner and category."""
    stmt = (
        update(Attachment)
        .where(
            Attachment.owner_type == attachment.owner_type,
            Attachment.owner_id == attachment.owner_id,
            Attachment.category == attachment.category,
            Attachment.is_current.is_(True),
            Attachment.id != attachment.id,
        )
        .values(is_current=False, version=Attachment.version + 1, updated_at=utcnow())
        .returning(Attachment.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in await session.execute(stmt)]


async def delete_row(session: AsyncSession, attachment_id: int) -> None:
    await session.execute(delete(Attachment).where(Attachment.id == attachment_id))
