"""Audit trail routes (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select
from starlette.responses import Response

from orderdesk.audit.models import AuditEntry
from orderdesk.core.deps import PrincipalDep, SessionDep
from orderdesk.core.http import json_response
from orderdesk.core.listing import PageDep
from orderdesk.core.pagination import date_range, finish_page, paginate_statement
from orderdesk.core.permissions import Permission, ensure
from orderdesk.core.schemas import PageOut

router = APIRouter(prefix="/audit", tags=["audit"])
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


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor_id: int | None
    actor_label: str
    action: str
    entity_type: str
    entity_id: str | None
    success: bool
    ip: str | None
    request_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    detail: str


@router.get("", response_model=PageOut[AuditOut], summary="Audit entries, newest first")
async def list_audit(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    action: str | None = None,
    actor_id: int | None = None,
    entity_type: str | None = None,
    entity_id: str | None = None,
    success: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Response:
    ensure(principal, Permission.audit_read)
    conds: list[Any] = date_range(AuditEntry.at, since, until)
    for column, value in (
        (AuditEntry.action, action),
        (AuditEntry.actor_id, actor_id),
        (AuditEntry.entity_type, entity_type),
        (AuditEntry.entity_id, entity_id),
        (AuditEntry.success, success),
    ):
        if value is not None:
            conds.append(column == value)
    stmt, key, _ = paginate_statement(
        select(*COLUMNS).where(*conds),
        page,
        {"id": AuditEntry.id, "at": AuditEntry.at},
        AuditEntry.id,
    )
    rows = [dict(r._mapping) for r in await session.execute(stmt)]
    return json_response(finish_page(rows, page, key).as_dict())
