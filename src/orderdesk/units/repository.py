"""All SQL of units."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.pagination import (
    Page,
    PageRequest,
    finish_page,
    paginate_statement,
    search_clause,
)
from orderdesk.db.query import fetch_all, fetch_one
from orderdesk.units.models import Unit

COLUMNS = (
    Unit.id,
    Unit.code,
    Unit.name,
    Unit.kind,
    Unit.active,
    Unit.created_at,
    Unit.updated_at,
    Unit.version,
)
SORTS = {"id": Unit.id, "code": Unit.code, "name": Unit.name}


async def exists(session: AsyncSession, unit_id: int) -> bool:
    return (await session.execute(select(Unit.id).where(Unit.id == unit_id))).first() is not None


async def get(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


async def get_row(session: AsyncSession, unit_id: int) -> dict[str, Any] | None:
    return await fetch_one(session, select(*COLUMNS).where(Unit.id == unit_id))


async def code_taken(session: AsyncSession, code: str, exclude_id: int | None = None) -> bool:
    stmt = select(Unit.id).where(Unit.code == code)
    if exclude_id is not None:
        stmt = stmt.where(Unit.id != exclude_id)
    return (await session.execute(stmt)).first() is not None


async def list_units(
    session: AsyncSession,
    page: PageRequest,
    *,
    kind: str | None,
    active: bool | None,
    q: str | None,
    only_id: int | None,
) -> Page:
    conds: list[Any] = []
    if kind:
        conds.append(Unit.kind == kind)
    if active is not None:
        conds.append(Unit.active == active)
    if only_id is not None:
        conds.append(Unit.id == only_id)
    if q and (found := search_clause(Unit.search_text, q)) is not None:
        conds.append(found)
    stmt, key, _ = paginate_statement(select(*COLUMNS).where(*conds), page, SORTS, Unit.id)
    return finish_page(await fetch_all(session, stmt), page, key)
