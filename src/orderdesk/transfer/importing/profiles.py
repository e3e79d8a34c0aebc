"""Saved import profiles: a mapping remembered under a header signature, found again by it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit import service as audit
from orderdesk.core.errors import FieldError, Forbidden, NotFound, ValidationFailed
from orderdesk.core.pagination import Page, PageRequest
from orderdesk.core.permissions import Principal, Role
from orderdesk.transfer.importing import repository as repo
from orderdesk.transfer.importing.mapping import signature
from orderdesk.transfer.importing.models import ImportProfile
from orderdesk.transfer.importing.plan import check_permission
from orderdesk.transfer.importing.schemas import ImportOptions, ProfileCreate


def _can_manage(principal: Principal, target: str) -> None:
    check_permission(principal, ImportOptions.model_validate({"target": target}))


async def save_profile(
    *,
    session: AsyncSession,
    principal: Principal,
    name: str,
    target: str,
    type_code: str | None,
    headers: list[str],
    mapping: dict[str, str],
    value_maps: dict[str, Any],
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Create the profile, or replace the mapping of one with the same name."""
    _can_manage(principal, target)
    existing = await repo.profile_by_name(session, name)
    values = {
        "target": target,
        "type_code": type_code,
        "header_signature": signature(headers),
        "headers": list(headers),
        "mapping": mapping,
        "value_maps": value_maps,
        "options": options or {},
    }
    if existing is None:
        profile = ImportProfile(name=name, created_by_id=principal.user_id, **values)
        session.add(profile)
        await session.flush()
        profile_id = profile.id
    else:
        profile_id = existing["id"]
        found = await session.get(ImportProfile, profile_id)
        assert found is not None
        for field, value in values.items():
            setattr(found, field, value)
        found.version += 1
        await session.flush()
    await audit.record(
        session,
        action="import_profile.save",
        actor=principal,
        entity_type="import_profile",
        entity_id=profile_id,
        after={"name": name, **values},
    )
    return await get_profile(session=session, profile_id=profile_id)


async def create_profile(
    *, session: AsyncSession, principal: Principal, data: ProfileCreate
) -> dict[str, Any]:
    if await repo.profile_by_name(session, data.name) is not None:
        raise ValidationFailed([FieldError("name", "taken")])
    return await save_profile(
        session=session,
        principal=principal,
        name=data.name,
        target=data.target,
        type_code=data.type,
        headers=data.headers,
        mapping=data.mapping,
        value_maps=data.value_maps,
        options={**data.options, "timezone": data.timezone} if data.timezone else data.options,
    )


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A profile as the API shows it: its time zone (kept in `options`) as a field of its own."""
    row["timezone"] = (row.get("options") or {}).get("timezone")
    return row


async def get_profile(*, session: AsyncSession, profile_id: int) -> dict[str, Any]:
    row = await repo.get_profile_row(session, profile_id)
    if row is None:
        raise NotFound("import.profile_not_found", id=profile_id)
    return _shown(row)


async def list_profiles(*, session: AsyncSession, principal: Principal, page: PageRequest) -> Page:
    if principal.role is Role.customer:
        raise Forbidden("import.forbidden")
    page_out = await repo.list_profiles(session, page)
    page_out.items = [_shown(row) for row in page_out.items]
    return page_out


async def delete_profile(*, session: AsyncSession, principal: Principal, profile_id: int) -> None:
    row = await get_profile(session=session, profile_id=profile_id)
    _can_manage(principal, row["target"])
    await repo.delete_profile(session, profile_id)
    await audit.record(
        session,
        action="import_profile.delete",
        actor=principal,
        entity_type="import_profile",
        entity_id=profile_id,
        before={"name": row["name"]},
    )
