"""All SQL of imports and profiles, and the reference lookups of the targets."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.auth.models import User
from orderdesk.catalog.models import Item
from orderdesk.core.pagination import Page, PageRequest, finish_page, paginate_statement
from orderdesk.core.permissions import Principal
from orderdesk.db.query import fetch_all, fetch_one
from orderdesk.orders.models import OrderCounter, OrderLine
from orderdesk.transfer.importing import bulk
from orderdesk.transfer.importing.models import Import, ImportProfile

IMPORT_COLUMNS = (
    Import.id, Import.original_name, Import.size, Import.sha256, Import.format, Import.encoding,
    Import.delimiter, Import.target, Import.type_code, Import.mode, Import.key, Import.partial,
    Import.dry_run, Import.options, Import.mapping, Import.value_maps, Import.profile_id,
    Import.status, Import.counts, Import.report, Import.error, Import.job_id, Import.actor_id,
    Import.unit_id, Import.created_at, Import.updated_at, Import.finished_at,
)  # fmt: skip
PROFILE_COLUMNS = (
    ImportProfile.id, ImportProfile.name, ImportProfile.target, ImportProfile.type_code,
    ImportProfile.header_signature, ImportProfile.headers, ImportProfile.mapping,
    ImportProfile.value_maps, ImportProfile.options, ImportProfile.created_at,
    ImportProfile.version,
)  # fmt: skip


def import_scope(principal: Principal) -> list[Any]:
    """Admins and managers see every import; others only their own."""
    return [] if principal.sees_all_units else [Import.actor_id == principal.user_id]


async def get_import_row(
    session: AsyncSession, import_id: int, principal: Principal
) -> dict[str, Any] | None:
    stmt = select(*IMPORT_COLUMNS, Import.storage_key, Import.report_key)
    return await fetch_one(session, stmt.where(Import.id == import_id, *import_scope(principal)))


async def get_import(session: AsyncSession, import_id: int) -> Import | None:
    return await session.get(Import, import_id)


async def list_imports(session: AsyncSession, principal: Principal, page: PageRequest) -> Page:
    stmt, key, _ = paginate_statement(
        select(*IMPORT_COLUMNS).where(*import_scope(principal)),
        page,
        {"id": Import.id, "created_at": Import.created_at},
        Import.id,
    )
    return finish_page(await fetch_all(session, stmt), page, key)


async def earlier_with_sha256(
    session: AsyncSession, sha256: str, exclude_id: int
) -> dict[str, Any] | None:
    """The latest other import of the same bytes."""
    stmt = (
        select(Import.id, Import.created_at, Import.status, Import.original_name)
        .where(Import.sha256 == sha256, Import.id != exclude_id)
        .order_by(Import.id.desc())
        .limit(1)
    )
    return await fetch_one(session, stmt)


async def set_import(session: AsyncSession, import_id: int, **values: Any) -> None:
    await session.execute(update(Import).where(Import.id == import_id).values(**values))


# profiles


async def profile_by_signature(
    session: AsyncSession, signature: str, target: str | None
) -> dict[str, Any] | None:
    stmt = select(*PROFILE_COLUMNS).where(ImportProfile.header_signature == signature)
    if target:
        stmt = stmt.where(ImportProfile.target == target)
    return await fetch_one(session, stmt.order_by(ImportProfile.id.desc()).limit(1))


async def get_profile_row(session: AsyncSession, profile_id: int) -> dict[str, Any] | None:
    return await fetch_one(session, select(*PROFILE_COLUMNS).where(ImportProfile.id == profile_id))


async def profile_by_name(session: AsyncSession, name: str) -> dict[str, Any] | None:
    return await fetch_one(session, select(*PROFILE_COLUMNS).where(ImportProfile.name == name))


async def list_profiles(session: AsyncSession, page: PageRequest) -> Page:
    stmt, key, _ = paginate_statement(
        select(*PROFILE_COLUMNS),
        page,
        {"id": ImportProfile.id, "name": ImportProfile.name},
        ImportProfile.id,
    )
    return finish_page(await fetch_all(session, stmt), page, key)


async def delete_profile(session: AsyncSession, profile_id: int) -> bool:
    result = await session.execute(delete(ImportProfile).where(ImportProfile.id == profile_id))
    return bool(result.rowcount)  # type: ignore[attr-defined]


# lookups of the order target


async def items_by_sku(session: AsyncSession, skus: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not skus:
        return {}
    cols = (Item.id, Item.sku, Item.name, Item.price, Item.measure_unit, Item.status, Item.currency)
    dialect = session.get_bind().dialect.name
    stmt = select(*cols).where(bulk.one_of(Item.__table__.c.sku, dialect, "skus"))
    rows = await session.execute(stmt, {"skus": list(skus)})
    return {row.sku: dict(row._mapping) for row in rows}


async def customers_by(session: AsyncSession, refs: Sequence[str]) -> dict[str, int]:
    """Users found by username, email or phone, keyed by each of them."""
    if not refs:
        return {}
    refs = list(refs)
    stmt = select(User.id, User.username, User.email, User.phone).where(
        or_(User.username.in_(refs), User.email.in_(refs), User.phone.in_(refs))
    )
    found: dict[str, int] = {}
    for row in await session.execute(stmt):
        for value in (row.username, row.email, row.phone):
            if value:
                found.setdefault(value, row.id)
    return found


async def lines_of(
    session: AsyncSession, order_ids: Sequence[int]
) -> dict[int, list[dict[str, Any]]]:
    if not order_ids:
        return {}
    cols = (
        OrderLine.order_id,
        OrderLine.sku,
        OrderLine.name,
        OrderLine.quantity,
        OrderLine.unit_price,
    )
    dialect = session.get_bind().dialect.name
    stmt = (
        select(*cols)
        .where(bulk.one_of(OrderLine.__table__.c.order_id, dialect, "ids"))
        .order_by(OrderLine.order_id, OrderLine.position, OrderLine.id)
    )
    found: dict[int, list[dict[str, Any]]] = {}
    result = await session.execute(stmt, {"ids": list(order_ids)})
    names = list(result.keys())  # zip with plain rows: no mapping view built per row
    for row in result:
        found.setdefault(row[0], []).append(dict(zip(names, row, strict=True)))
    return found


async def delete_lines_of(session: AsyncSession, order_ids: Sequence[int]) -> None:
    if order_ids:
        dialect = session.get_bind().dialect.name
        stmt = delete(OrderLine).where(bulk.one_of(OrderLine.__table__.c.order_id, dialect, "ids"))
        await session.execute(stmt, {"ids": list(order_ids)})


async def reserve_numbers(
    session: AsyncSession, order_type_id: int, period: str, count: int
) -> int:
    """Take `count` sequence values at once; returns the last one taken."""
    dialect = session.get_bind().dialect.name
    make_insert: Any = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (
        make_insert(OrderCounter)
        .values(order_type_id=order_type_id, period=period, value=count)
        .on_conflict_do_update(
            index_elements=[OrderCounter.order_type_id, OrderCounter.period],
            set_={"value": OrderCounter.value + count},
        )
        .returning(OrderCounter.value)
    )
    return int((await session.execute(stmt)).scalar_one())


def finished_now(now: datetime) -> dict[str, Any]:
    return {"finished_at": now, "updated_at": now}
