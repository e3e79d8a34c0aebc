"""All SQL of the audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit.models import AuditEntry
from orderdesk.core.pagination import Page, PageRequest, date_range, finish_page, paginate_statement
from orderdesk.db.query import fetch_all

COLUMNS = (
    AuditEntry.id,
    AuditEntry.at,
    AuditEntry.actor_id,
    AuditEntry.actor_label,
    AuditEntry.action,
    AuditEntry.entity_type,
    AuditEntry.entity_id,
    AuditEntry.success,
    AuditEntry.ip,
    AuditEntry.request_id,
    AuditEntry.before,
    AuditEntry.after,
    AuditEntry.detail,
)
SORTS = {"id": AuditEntry.id, "at": AuditEntry.at}


async def list_entries(
    session: AsyncSession,
    page: PageRequest,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    **equal: Any,
) -> Page:
    """Entries filtered by exact values (action, actor_id, …) and a time range."""
    conds: list[Any] = date_range(AuditEntry.at, since, until)
    conds += [
        getattr(AuditEntry, name) == value for name, value in equal.items() if value is not None
    ]
    stmt, key, _ = paginate_statement(select(*COLUMNS).where(*conds), page, SORTS, AuditEntry.id)
    return finish_page(await fetch_all(session, stmt), page, key)
