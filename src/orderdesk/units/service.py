"""Unit use cases."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.core.errors import FieldError, NotFound, ValidationFailed
from orderdesk.core.http import check_version
from orderdesk.core.i18n import register
from orderdesk.core.pagination import Page, PageRequest, search_text
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.units import repository as repo
from orderdesk.units.models import Unit
from orderdesk.units.schemas import UnitCreate, UnitUpdate

register({"unit.not_found": {"en": "Unit {id} not found.", "ru": "Подразделение {id} не найдено."}})
FIELDS = ("code", "name", "kind", "active")


def _snapshot(unit: Unit) -> dict[str, Any]:
    return {field: getattr(unit, field) for field in FIELDS}


async def list_units(
    *, session: AsyncSession, principal: Principal, page: PageRequest, **filters: Any
) -> Page:
    """Customers, managers and admins see every unit (customers pick a shop); staff only theirs."""
    ensure(principal, Permission.catalog_read)
    only = (
        None
        if principal.sees_all_units or principal.role.value == "customer"
        else principal.unit_id
    )
    if only is None and principal.role.value == "staff":
        only = -1
    return await repo.list_units(session, page, only_id=only, **filters)


async def get_unit(*, session: AsyncSession, principal: Principal, unit_id: int) -> dict[str, Any]:
    ensure(principal, Permission.catalog_read)
    row = await repo.get_row(session, unit_id)
    if row is None or (principal.role.value == "staff" and principal.unit_id != unit_id):
        raise NotFound("unit.not_found", id=unit_id)
    return row


async def create_unit(
    *, session: AsyncSession, principal: Principal, data: UnitCreate
) -> dict[str, Any]:
    ensure(principal, Permission.units_manage)
    if await repo.code_taken(session, data.code):
        raise ValidationFailed([FieldError("code", "taken")])
    unit = Unit(**data.model_dump(), search_text=search_text(data.code, data.name))
    session.add(unit)
    await session.flush()
    await audit.record(
        session,
        action="unit.create",
        actor=principal,
        entity_type="unit",
        entity_id=unit.id,
        after=_snapshot(unit),
    )
    return await get_unit(session=session, principal=principal, unit_id=unit.id)


async def update_unit(
    *,
    session: AsyncSession,
    principal: Principal,
    unit_id: int,
    data: UnitUpdate,
    expected_version: int | None,
) -> dict[str, Any]:
    ensure(principal, Permission.units_manage)
    unit = await repo.get(session, unit_id)
    if unit is None:
        raise NotFound("unit.not_found", id=unit_id)
    check_version(unit.version, expected_version)
    values = data.model_dump(exclude_unset=True)
    if "code" in values and await repo.code_taken(session, values["code"], unit.id):
        raise ValidationFailed([FieldError("code", "taken")])
    before = _snapshot(unit)
    for field, value in values.items():
        if value is not None:
            setattr(unit, field, value)
    changes = audit.diff(before, _snapshot(unit))
    if changes:
        unit.version += 1
        unit.search_text = search_text(unit.code, unit.name)
        await audit.record(
            session,
            action="unit.update",
            actor=principal,
            entity_type="unit",
            entity_id=unit.id,
            before=before,
            after=_snapshot(unit),
        )
    await session.flush()
    return await get_unit(session=session, principal=principal, unit_id=unit.id)
