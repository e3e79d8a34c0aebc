"""Attachment use cases: list, upload, download, change, delete — with the owner's permissions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.catalog import repository as catalog_repo
from orderdesk.catalog.messages import ITEM_NOT_FOUND
from orderdesk.core.errors import Conflict, Forbidden, NotFound
from orderdesk.core.http import check_version
from orderdesk.core.permissions import Permission, Principal, Role, ensure
from orderdesk.files import repository as repo
from orderdesk.files import upload as uploads
from orderdesk.files.messages import ATTACHMENT_NOT_FOUND
from orderdesk.files.models import Attachment
from orderdesk.files.names import sanitize_filename
from orderdesk.files.schemas import AttachmentUpdate
from orderdesk.files.storage import Storage, StoredObjectMissing, discard, new_key
from orderdesk.orders import repository as orders_repo
from orderdesk.orders.messages import ORDER_NOT_FOUND
from orderdesk.orders.workflow import is_editable

AUDITED: tuple[str, ...] = ("owner_type", "owner_id", "original_name", "content_type", "size")
AUDITED += ("sha256", "category", "is_current")


def _public(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if key != "storage_key"}


def _snapshot(attachment: Attachment) -> dict[str, Any]:
    return {field: getattr(attachment, field) for field in AUDITED}


async def _check_read(
    session: AsyncSession, principal: Principal, owner_type: str, owner_id: int
) -> None:
    """Whoever may read the item or order may read its attachments (404 otherwise)."""
    if owner_type == "item":
        ensure(principal, Permission.catalog_read)
        if await catalog_repo.get_item_row(session, owner_id, principal) is None:
            raise NotFound(ITEM_NOT_FOUND, id=owner_id)
        return
    ensure(principal, Permission.orders_read)
    if await orders_repo.get_order_row(session, owner_id, principal, with_lines=False) is None:
        raise NotFound(ORDER_NOT_FOUND, id=owner_id)


async def _check_write(
    session: AsyncSession,
    principal: Principal,
    owner_type: str,
    owner_id: int,
    uploaded_by_id: int | None = None,
    *,
    creating: bool = False,
) -> None:
    """Who may attach, change and delete: the owner's editors.

    Items: catalog managers. Orders: whoever may update the order, and a customer on their own
    order while its workflow lets it be edited (changing only the files they uploaded).
    """
    await _check_read(session, principal, owner_type, owner_id)
    if owner_type == "item":
        ensure(principal, Permission.catalog_manage)
        return
    if principal.can(Permission.orders_update):
        return
    if principal.role is not Role.customer:
        ensure(principal, Permission.orders_update)
    if not creating and uploaded_by_id != principal.user_id:
        raise Forbidden("attachment.not_yours")
    order = await orders_repo.get_order_row(session, owner_id, principal, with_lines=False)
    assert order is not None
    order_type = await orders_repo.get_type_row(session, order["order_type_id"])
    assert order_type is not None
    if not is_editable(order_type["workflow"], order["status"]):
        raise Forbidden("attachment.order_not_editable")


async def list_attachments(
    *,
    session: AsyncSession,
    principal: Principal,
    owner_type: str,
    owner_id: int,
    category: str | None = None,
) -> list[dict[str, Any]]:
    await _check_read(session, principal, owner_type, owner_id)
    return await repo.list_for_owner(session, owner_type, owner_id, category)


async def _visible_row(
    session: AsyncSession, principal: Principal, attachment_id: int
) -> dict[str, Any]:
    row = await repo.get_row(session, attachment_id)
    if row is None:
        raise NotFound(ATTACHMENT_NOT_FOUND, id=attachment_id)
    try:
        await _check_read(session, principal, row["owner_type"], row["owner_id"])
    except NotFound:
        raise NotFound(ATTACHMENT_NOT_FOUND, id=attachment_id) from None
    return row


async def get_attachment(
    *, session: AsyncSession, principal: Principal, attachment_id: int
) -> dict[str, Any]:
    return _public(await _visible_row(session, principal, attachment_id))


async def open_content(
    *, session: AsyncSession, principal: Principal, storage: Storage, attachment_id: int
) -> tuple[dict[str, Any], AsyncIterator[bytes]]:
    """The attachment and its bytes as a stream of chunks."""
    row = await _visible_row(session, principal, attachment_id)
    try:
        chunks = await storage.open(row["storage_key"])
    except StoredObjectMissing:
        raise NotFound("attachment.content_missing", id=attachment_id) from None
    return _public(row), chunks


async def upload_attachment(
    *,
    session: AsyncSession,
    principal: Principal,
    storage: Storage,
    policy: uploads.UploadPolicy,
    owner_type: str,
    owner_id: int,
    incoming: uploads.IncomingFile,
    category: str = "",
    is_current: bool = False,
) -> dict[str, Any]:
    """Check, store and record a file; nothing stays stored if any step fails."""
    await _check_write(session, principal, owner_type, owner_id, creating=True)
    name = sanitize_filename(incoming.name)
    uploads.check_size(await asyncio.to_thread(uploads.file_size, incoming.file), policy)
    kind = await asyncio.to_thread(uploads.classify, incoming.file, name, policy)
    key = new_key()
    stored = await uploads.store(storage, key, incoming.file, policy)
    try:
        attachment = Attachment(
            owner_type=owner_type,
            owner_id=owner_id,
            original_name=name,
            content_type=kind.mime,
            size=stored.size,
            sha256=stored.sha256,
            storage_key=key,
            category=category,
            is_current=False,
            uploaded_by_id=principal.user_id,
        )
        session.add(attachment)
        await session.flush()
        replaced = await _make_current(session, attachment) if is_current else []
        await _audit(session, principal, "attachment.upload", attachment, None, replaced)
    except BaseException:
        await discard(storage, key)
        raise
    return await get_attachment(session=session, principal=principal, attachment_id=attachment.id)


async def _make_current(session: AsyncSession, attachment: Attachment) -> list[int]:
    """Make this the one current attachment of its owner and category; the others stop being."""
    replaced = await repo.clear_current(session, attachment)
    attachment.is_current = True
    try:
        await session.flush()
    except IntegrityError as exc:  # another transaction made a different one current
        raise Conflict("attachment.current_conflict") from exc
    return replaced


async def _audit(
    session: AsyncSession,
    principal: Principal,
    action: str,
    attachment: Attachment,
    before: dict[str, Any] | None,
    replaced: list[int] | None = None,
) -> None:
    after = None if action == "attachment.delete" else _snapshot(attachment)
    if after is not None and replaced:
        after["replaced_current"] = replaced
    await audit.record(
        session,
        action=action,
        actor=principal,
        entity_type="attachment",
        entity_id=attachment.id,
        before=before,
        after=after,
    )


async def _load_for_write(
    session: AsyncSession, principal: Principal, attachment_id: int, expected_version: int | None
) -> Attachment:
    await _visible_row(session, principal, attachment_id)
    attachment = await repo.get(session, attachment_id)
    if attachment is None:
        raise NotFound(ATTACHMENT_NOT_FOUND, id=attachment_id)
    await _check_write(
        session, principal, attachment.owner_type, attachment.owner_id, attachment.uploaded_by_id
    )
    check_version(attachment.version, expected_version)
    return attachment


async def update_attachment(
    *,
    session: AsyncSession,
    principal: Principal,
    attachment_id: int,
    data: AttachmentUpdate,
    expected_version: int | None = None,
) -> dict[str, Any]:
    """Change the category or the current flag."""
    attachment = await _load_for_write(session, principal, attachment_id, expected_version)
    before = _snapshot(attachment)
    if data.category is not None and data.category != attachment.category:
        attachment.is_current = False  # current within the old category, not the new one
        attachment.category = data.category
        await session.flush()
    replaced: list[int] = []
    wants_current = attachment.is_current if data.is_current is None else data.is_current
    if wants_current and not attachment.is_current:
        replaced = await _make_current(session, attachment)
    attachment.is_current = wants_current
    if _snapshot(attachment) != before:
        attachment.version += 1
        await session.flush()
        await _audit(session, principal, "attachment.update", attachment, before, replaced)
    return await get_attachment(session=session, principal=principal, attachment_id=attachment_id)


async def delete_attachment(
    *,
    session: AsyncSession,
    principal: Principal,
    attachment_id: int,
    expected_version: int | None = None,
) -> str:
    """Delete the record; returns the storage key, to delete only once the change is committed."""
    attachment = await _load_for_write(session, principal, attachment_id, expected_version)
    before = _snapshot(attachment)
    await repo.delete_row(session, attachment.id)
    await _audit(session, principal, "attachment.delete", attachment, before)
    return attachment.storage_key
