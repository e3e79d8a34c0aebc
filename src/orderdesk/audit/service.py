"""Write audit entries and per-field change history inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit.models import AuditEntry, FieldChange
from orderdesk.core.context import request_context
from orderdesk.core.http import decimal_text
from orderdesk.core.permissions import Principal
from orderdesk.db.query import PreparedWrite, Write

# Built once: audit entries are written on every state change and login.
_INSERT_ENTRY = PreparedWrite(
    insert(cast(Table, AuditEntry.__table__)),
    (
        "actor_id",
        "actor_label",
        "action",
        "entity_type",
        "entity_id",
        "success",
        "ip",
        "user_agent",
        "request_id",
        "before",
        "after",
        "detail",
    ),
)


def jsonable(value: Any) -> Any:
    """Make a value storable in a JSON column (Decimal and dates become strings)."""
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


async def record(
    session: AsyncSession,
    *,
    action: str,
    actor: Principal | None,
    entity_type: str = "",
    entity_id: object = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    success: bool = True,
    detail: str = "",
    actor_label: str | None = None,
) -> None:
    """Add one audit entry; the request id and client address come from the request context."""
    written = entry(
        action=action,
        actor=actor,
        entity_type=entity_type,
        entity_id=entity_id,
        before=before,
        after=after,
        success=success,
        detail=detail,
        actor_label=actor_label,
    )
    await written.statement.rows(session, [written.row])


def entry(
    *,
    action: str,
    actor: Principal | None,
    entity_type: str = "",
    entity_id: object = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    success: bool = True,
    detail: str = "",
    actor_label: str | None = None,
) -> Write:
    """An audit entry to write with the use case's other writes (`db.query.write_all`)."""
    ctx = request_context()
    if actor_label is None:
        actor_label = actor.username if actor else ""
    return _INSERT_ENTRY.write(
        actor_id=actor.user_id if actor else None,
        actor_label=actor_label,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        success=success,
        ip=ctx.ip,
        user_agent=(ctx.user_agent or "")[:300] or None,
        request_id=ctx.request_id,
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        detail=detail,
    )


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Fields whose value differs between two snapshots: {field: (old, new)}."""
    changed = {}
    for key in after.keys() | before.keys():
        old, new = jsonable(before.get(key)), jsonable(after.get(key))
        if old != new:
            changed[key] = (old, new)
    return changed


def _kind(old: Any, new: Any) -> str:
    empty: tuple[Any, ...] = (None, "", [], {})
    if old in empty:
        return "filled"
    if new in empty:
        return "cleared"
    return "changed"


async def record_field_changes(
    session: AsyncSession,
    *,
    entity_type: str,
    entity_id: int,
    changes: Mapping[str, tuple[Any, Any]],
    actor: Principal | None,
    source: str = "api",
) -> None:
    """Store one FieldChange row per changed field."""
    if not changes:
        return
    rows = [
        {
            "entity_type": entity_type,
            "entity_id": entity_id,
            "field": field,
            "kind": _kind(old, new),
            "old_value": old,
            "new_value": new,
            "actor_id": actor.user_id if actor else None,
            "source": source,
        }
        for field, (old, new) in sorted(changes.items())
    ]
    await session.execute(insert(FieldChange), rows)
