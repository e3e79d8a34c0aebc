"""Pieces the targets share: attribute fields, reference lookups, change rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit.models import FieldChange
from orderdesk.audit.service import jsonable
from orderdesk.core.attributes import validate_attributes
from orderdesk.core.errors import ValidationFailed
from orderdesk.core.i18n import SUPPORTED, current_locale, register, set_locale
from orderdesk.core.permissions import Principal
from orderdesk.transfer.importing import bulk
from orderdesk.transfer.importing.mapping import normalise
from orderdesk.transfer.importing.targets.base import FieldSpec, ParsedRow, Rejection
from orderdesk.transfer.messages_export import COLUMN_LABELS
from orderdesk.units.models import Unit

register(
    {
        "import.ref_ambiguous": {
            "en": "Several records have this name; rename them to tell them apart",
            "ru": "С таким названием несколько записей; переименуйте, чтобы различать",
        }
    }
)
# A name several reference rows share (e.g. a category under two parents).
AMBIGUOUS = -1
ATTR = "attributes."
FIELD_CHANGES = cast(Table, FieldChange.__table__)
CHANGE_COLUMNS = (
    "entity_type",
    "entity_id",
    "field",
    "kind",
    "old_value",
    "new_value",
    "actor_id",
    "source",
    "at",
)
_KINDS = {"string": "text", "text": "text", "integer": "integer", "decimal": "decimal"}
_KINDS |= {"boolean": "boolean", "date": "date", "datetime": "datetime", "enum": "enum"}


def label(en: str, ru: str) -> dict[str, str]:
    return {"en": en, "ru": ru}


def exported(key: str) -> tuple[str, ...]:
    """The names an export gives a column: its key and its ru/en labels."""
    return (key, *COLUMN_LABELS.get(key, {}).values())


def with_export_names(specs: list[FieldSpec], keys: dict[str, str]) -> list[FieldSpec]:
    """The fields with the export's names of their columns (field → export column key)."""
    return [replace(s, keys=exported(keys.get(s.name, s.name))) for s in specs]


def attribute_fields(schema: list[dict[str, Any]]) -> list[FieldSpec]:
    """One mappable field per attribute of an item or order type."""
    specs = []
    for attr in schema:
        kind = _KINDS.get(attr.get("type", "string"), "text")
        choices = {normalise(v): v for v in attr.get("enum") or []} if kind == "enum" else None
        specs.append(
            FieldSpec(
                name=ATTR + attr["name"],
                kind=kind,
                label=dict(attr.get("label") or {"en": attr["name"], "ru": attr["name"]}),
                synonyms=(attr["name"],),
                choices=choices,
                keys=(f"attr.{attr['name']}", *(attr.get("label") or {}).values()),
            )
        )
    return specs


def attributes_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The attribute values of a parsed row, typed as the catalog's validation expects."""
    found = {}
    for name, value in values.items():
        if name.startswith(ATTR):
            if isinstance(value, datetime) or hasattr(value, "isoformat"):
                value = value.isoformat()
            found[name[len(ATTR) :]] = value
    return found


def check_attributes(
    schema: list[dict[str, Any]],
    values: dict[str, Any],
    row: ParsedRow,
    *,
    partial: bool = False,
) -> dict[str, Any] | list[Rejection]:
    """Validate with the catalog's attribute rules; errors come back in ru and en."""
    try:
        return validate_attributes(schema, values, partial=partial)
    except ValidationFailed:
        pass
    messages: dict[str, dict[str, str]] = {}
    saved = current_locale()
    try:
        for lang in SUPPORTED:
            set_locale(lang)
            try:
                validate_attributes(schema, values, partial=partial)
            except ValidationFailed as exc:
                for error in exc.errors:
                    messages.setdefault(error["field"], {})[lang] = error["message"]
    finally:
        set_locale(saved)
    rejections = []
    for path, reason in messages.items():
        name = path.removeprefix("attributes.")
        column = row.columns.get(ATTR + name, name)
        rejections.append(Rejection(row.number, column, str(values.get(name) or "")[:200], reason))
    return rejections


async def units_by_name(session: AsyncSession) -> dict[str, int]:
    """Units by normalised code and name (a small table, read once per import)."""
    found: dict[str, int] = {}
    for row in await session.execute(select(Unit.id, Unit.code, Unit.name)):
        found.setdefault(normalise(row.code), row.id)
        found.setdefault(normalise(row.name), row.id)
    return found


def change_kind(old: Any, new: Any) -> str:
    empty: tuple[Any, ...] = (None, "", [], {})
    if old in empty:
        return "filled"
    if new in empty:
        return "cleared"
    return "changed"


_PLAIN = (str, int, bool, type(None))


def same_json(old: Any, new: Any) -> bool:
    """Whether two values surely have the same stored (JSON) form, without building it.

    True only where equality implies it: equal texts, integers, booleans, None, empty objects,
    and equal decimals of one sign (`jsonable` writes a decimal from its value, but keeps
    the sign of a zero). False means "compare the JSON forms" (`diff`), not "different".
    """
    kind = type(old)
    if kind is not type(new) or old != new:
        return False
    if kind in _PLAIN:
        return True
    if kind is Decimal:
        return bool(old.is_signed() == new.is_signed())
    return kind is dict and not old


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose stored (JSON) form differs: {field: (old, new)}."""
    changed = {}
    for key, new in after.items():
        old_json, new_json = jsonable(before.get(key)), jsonable(new)
        if old_json != new_json:
            changed[key] = (old_json, new_json)
    return changed


def change_rows(
    entity_type: str,
    entity_id: int,
    changes: Mapping[str, tuple[Any, Any]],
    principal: Principal,
    source: str,
    at: datetime,
) -> list[tuple[Any, ...]]:
    return [
        (
            entity_type,
            entity_id,
            field,
            change_kind(old, new),
            old,
            new,
            principal.user_id,
            source,
            at,
        )
        for field, (old, new) in sorted(changes.items())
    ]


async def write_changes(session: AsyncSession, rows: list[tuple[Any, ...]]) -> None:
    await bulk.insert_rows(session, FIELD_CHANGES, CHANGE_COLUMNS, rows)
