"""User administration routes."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from starlette.responses import Response

from orderdesk.auth import users
from orderdesk.auth.schemas import RoleName, StatusName, UserCreate, UserOut, UserUpdate
from orderdesk.core.deps import ContainerDep, PrincipalDep, SessionDep
from orderdesk.core.http import (
    created,
    idempotent,
    if_match_version,
    json_response,
    record_response,
)
from orderdesk.core.listing import PageDep, Search
from orderdesk.core.schemas import PageOut

router = APIRouter(prefix="/users", tags=["users"])


@router.get("", response_model=PageOut[UserOut], summary="List users")
async def list_users(
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    role: RoleName | None = None,
    status: StatusName | None = None,
    unit_id: int | None = None,
    q: Search = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> Response:
    result = await users.list_users(
        session=session,
        principal=principal,
        page=page,
        role=role,
        status=status,
        unit_id=unit_id,
        q=q,
        created_from=created_from,
        created_to=created_to,
    )
    return json_response(result.as_dict())


@router.post("", response_model=UserOut, status_code=201, summary="Create a user")
async def create_user(
    body: UserCreate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    async def create() -> tuple[int, object, int | None]:
        row = await users.create_user(
            session=session, passwords=container.passwords, principal=principal, data=body
        )
        return created(row)

    return await idempotent(request, session, principal, create)


@router.get("/{user_id}", response_model=UserOut, summary="Get a user")
async def get_user(user_id: int, session: SessionDep, principal: PrincipalDep) -> Response:
    row = await users.get_user(session=session, principal=principal, user_id=user_id)
    return record_response(row)


@router.patch("/{user_id}", response_model=UserOut, summary="Update a user (role, status, unit…)")
async def update_user(
    user_id: int,
    body: UserUpdate,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    container: ContainerDep,
) -> Response:
    row = await users.update_user(
        session=session,
        passwords=container.passwords,
        principal=principal,
        user_id=user_id,
        data=body,
        expected_version=if_match_version(request),
    )
    return record_response(row)
