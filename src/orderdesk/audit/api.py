"""Audit trail routes (admins)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel
from starlette.responses import Response

from orderdesk.audit import repository as repo
from orderdesk.core.deps import PrincipalDep, SessionDep
from orderdesk.core.http import json_response
from orderdesk.core.listing import PageDep
from orderdesk.core.permissions import Permission, ensure
from orderdesk.core.schemas import PageOut

router = APIRouter(prefix="/audit", tags=["audit"])


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
    result = await repo.list_entries(
        session,
        page,
        since=since,
        until=until,
        action=action,
        actor_id=actor_id,
        entity_type=entity_type,
        entity_id=entity_id,
        success=success,
    )
    return json_response(result.as_dict())
