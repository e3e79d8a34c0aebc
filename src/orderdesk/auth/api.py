"""Auth routes: login, refresh, logout, me, password change."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from orderdesk.auth import service, users
from orderdesk.auth.schemas import LoginIn, LogoutIn, PasswordChangeIn, RefreshIn, TokenOut, UserOut
from orderdesk.core.deps import ContainerDep, PrincipalDep, SessionDep
from orderdesk.core.http import json_response, record_response

router = APIRouter(prefix="/auth", tags=["auth"])


def token_response(pair: service.TokenPair) -> Response:
    """The token pair as JSON, never cached."""
    body = {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": pair.token_type,
        "expires_in": pair.expires_in,
    }
    return json_response(body, headers={"Cache-Control": "no-store"})


@router.post("/login", response_model=TokenOut, summary="Log in with a password")
async def login(body: LoginIn, session: SessionDep, container: ContainerDep) -> Response:
    pair = await service.login(
        session=session,
        settings=container.settings,
        passwords=container.passwords,
        tokens=container.tokens,
        limiter=container.rate_limiter,
        username=body.username,
        password=body.password,
    )
    return token_response(pair)


@router.post("/refresh", response_model=TokenOut, summary="Rotate a refresh token")
async def refresh(body: RefreshIn, session: SessionDep, container: ContainerDep) -> Response:
    pair = await service.refresh(
        session=session, tokens=container.tokens, refresh_token=body.refresh_token
    )
    return token_response(pair)


@router.post("/logout", status_code=204, summary="End this session (or all of them)")
async def logout(
    session: SessionDep, principal: PrincipalDep, body: LogoutIn | None = None
) -> Response:
    await service.logout(
        session=session, principal=principal, everywhere=bool(body and body.everywhere)
    )
    return Response(status_code=204)


@router.get("/me", response_model=UserOut, summary="The logged-in user")
async def me(session: SessionDep, principal: PrincipalDep) -> Response:
    assert principal.user_id is not None
    row = await users.get_user(session=session, principal=principal, user_id=principal.user_id)
    return record_response(row)


@router.post("/password", status_code=204, summary="Change one's own password")
async def change_password(
    body: PasswordChangeIn, session: SessionDep, principal: PrincipalDep, container: ContainerDep
) -> Response:
    await service.change_password(
        session=session,
        passwords=container.passwords,
        principal=principal,
        current_password=body.current_password,
        new_password=body.new_password,
    )
    return Response(status_code=204)
