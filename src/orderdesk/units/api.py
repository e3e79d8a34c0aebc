"""Unit routes."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from orderdesk.core.deps import PrincipalDep, SessionDep
from orderdesk.core.http import (
    created,
    idempotent,
    if_match_version,
    json_response,
    record_response,
)
from orderdesk.core.listing import PageDep, Search
from orderdesk.core.schemas import PageOut
from orderdesk.units import service
from orderdesk.units.schemas import UnitCreate, UnitKind, UnitOut, UnitUpdate

router = APIRouter(prefix="/units", tags=["units"])


@router.get("", response_model=PageOut[UnitOut], summary="List units")
async def list_units(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    kind: UnitKind | None = None,
    active: bool | None = None,
    q: Search = None,
) -> Response:
    result = await service.list_units(
        session=session, principal=principal, page=page, kind=kind, active=active, q=q
    )
    return json_response(result.as_dict())


@router.post("", response_model=UnitOut, status_code=201, summary="Create a unit")
async def create_unit(
    body: UnitCreate, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    async def create() -> tuple[int, object, int | None]:
        row = await service.create_unit(session=session, principal=principal, data=body)
        return created(row)

    return await idempotent(request, session, principal, create)


@router.get("/{unit_id}", response_model=UnitOut, summary="Get a unit")
async def get_unit(unit_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await service.get_unit(session=session, principal=principal, unit_id=unit_id)
    return record_response(row)


@router.patch("/{unit_id}", response_model=UnitOut, summary="Update a unit")
async def update_unit(
    unit_id: int, body: UnitUpdate, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    row = await service.update_unit(
        session=session,
        principal=principal,
        unit_id=unit_id,
        data=body,
        expected_version=if_match_version(request),
    )
    return record_response(row)
