"""One import's plan: target, permissions, profile, mapping, value maps, compiled row reader."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.core.errors import FieldError, Forbidden, ValidationFailed
from orderdesk.core.permissions import Principal, Role, ensure
from orderdesk.transfer.importing import repository as repo
from orderdesk.transfer.importing.mapping import (
    RowReader,
    auto_map,
    is_own_export,
    resolve,
    signature,
)
from orderdesk.transfer.importing.schemas import ImportOptions
from orderdesk.transfer.importing.targets.base import RunOptions, Target
from orderdesk.transfer.importing.targets.items import ItemsTarget
from orderdesk.transfer.importing.targets.orders import OrdersTarget
from orderdesk.transfer.importing.targets.users import UsersTarget

TARGETS: dict[str, type[Target]] = {
    "items": ItemsTarget,
    "orders": OrdersTarget,
    "users": UsersTarget,
}


@dataclass(slots=True)
class Plan:
    target: Target
    options: ImportOptions
    mapping: dict[str, str]
    value_maps: dict[str, dict[str, Any]]
    profile: dict[str, Any] | None
    reader: RowReader
    missing: list[str]
    signature: str


def check_permission(principal: Principal, options: ImportOptions) -> type[Target]:
    """Customers never import; others need the target's create (and for upsert, update) right."""
    if principal.role is Role.customer:
        raise Forbidden("import.forbidden")
    target = TARGETS[options.target]
    ensure(principal, target.permission)
    if options.mode == "upsert":
        ensure(principal, target.update_permission)
    return target


async def _profile(
    session: AsyncSession, options: ImportOptions, sig: str
) -> dict[str, Any] | None:
    if options.profile:
        found = await repo.profile_by_name(session, options.profile)
        if found is None or found["target"] != options.target:
            raise ValidationFailed([FieldError("profile", "import_profile_not_found")])
        return found
    if options.mapping is not None:
        return None
    return await repo.profile_by_signature(session, sig, options.target)


async def make_plan(
    session: AsyncSession,
    principal: Principal,
    options: ImportOptions,
    headers: list[str],
    *,
    source_format: str | None = None,
) -> Plan:
    """Everything needed to turn this file's rows into records, checked up front."""
    target_class = check_permission(principal, options)
    if options.key is not None and options.key not in target_class.keys:
        raise ValidationFailed(
            [FieldError("key", "import_key_invalid", keys=", ".join(target_class.keys))]
        )
    sig = signature(headers)
    profile = await _profile(session, options, sig)
    type_code = options.type or (profile["type_code"] if profile else None)
    run = RunOptions(mode=options.mode, key=options.key, type_code=type_code)
    target = target_class(session, principal, run)
    await target.load()
    if options.mapping is not None:
        mapping = dict(options.mapping)
    elif profile is not None:
        mapping = dict(profile["mapping"])
    else:
        mapping = auto_map(headers, target.fields)
    if options.key is None:
        # Without a chosen key, the first key the file has a column for.
        key = next((k for k in target.keys if k in mapping), target.keys[0])
        target.options = replace(target.options, key=key)
    value_maps = options.value_maps or (profile["value_maps"] if profile else {}) or {}
    columns = resolve(mapping, headers, target.fields)
    target.mapped = frozenset(columns)
    own = is_own_export(source_format, headers, target.fields)
    reader = RowReader(target.fields, columns, headers, value_maps, unescape=own)
    missing = [spec.name for spec in target.fields if spec.required and spec.name not in mapping]
    if options.mode != "insert" and target.key not in mapping:
        missing.append(target.key)
    return Plan(target, options, mapping, value_maps, profile, reader, missing, sig)


def require_complete(plan: Plan) -> None:
    """A commit needs every required field (and the key) mapped to a column."""
    if plan.missing:
        raise ValidationFailed(
            [FieldError(f"mapping.{name}", "import_field_unmapped") for name in plan.missing]
        )
