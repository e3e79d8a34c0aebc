"""Routes: log in with Telegram (Mini App, Login Widget) or a one-time link; link Telegram."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body
from starlette.responses import Response

from orderdesk.auth import telegram, users
from orderdesk.auth.api import token_response
from orderdesk.auth.schemas import LoginLinkIn, TelegramLinkIn, TelegramWebAppIn, TokenOut, UserOut
from orderdesk.core.deps import ContainerDep, PrincipalDep, SessionDep
from orderdesk.core.http import record_response

router = APIRouter(prefix="/auth", tags=["auth"])
WidgetFields = Annotated[
    dict[str, Any],
    Body(
        description="The Login Widget's fields as Telegram gave them "
        "(id, first_name, last_name, username, photo_url, auth_date, hash)"
    ),
]


@router.post(
    "/telegram/webapp", response_model=TokenOut, summary="Log in from the Mini App (initData)"
)
async def telegram_webapp(
    body: TelegramWebAppIn, session: SessionDep, container: ContainerDep
) -> Response:
    pair = await telegram.login_with_init_data(
        session=session,
        settings=container.settings,
        tokens=container.tokens,
        limiter=container.rate_limiter,
        init_data=body.init_data,
    )
    return token_response(pair)


@router.post(
    "/telegram/widget", response_model=TokenOut, summary="Log in with the Telegram Login Widget"
)
async def telegram_widget(
    body: WidgetFields, session: SessionDep, container: ContainerDep
) -> Response:
    pair = await telegram.login_with_widget(
        session=session,
        settings=container.settings,
        tokens=container.tokens,
        limiter=container.rate_limiter,
        data=body,
    )
    return token_response(pair)


@router.post("/telegram/link", response_model=UserOut, summary="Link a Telegram account to oneself")
async def telegram_link(
    body: TelegramLinkIn, session: SessionDep, principal: PrincipalDep, container: ContainerDep
) -> Response:
    user = await telegram.link_telegram(
        session=session,
        settings=container.settings,
        principal=principal,
        init_data=body.init_data,
        widget=body.widget,
    )
    row = await users.get_user(session=session, principal=principal, user_id=user.id)
    return record_response(row)


@router.delete("/telegram/link", response_model=UserOut, summary="Unlink one's Telegram account")
async def telegram_unlink(
    session: SessionDep, principal: PrincipalDep, container: ContainerDep
) -> Response:
    telegram.ensure_enabled(container.settings)
    user = await telegram.unlink_telegram(session=session, principal=principal)
    row = await users.get_user(session=session, principal=principal, user_id=user.id)
    return record_response(row)


@router.post("/link", response_model=TokenOut, summary="Log in with a one-time login link")
async def login_link(body: LoginLinkIn, session: SessionDep, container: ContainerDep) -> Response:
    pair = await telegram.login_with_link(
        session=session,
        settings=container.settings,
        tokens=container.tokens,
        limiter=container.rate_limiter,
        token=body.token,
    )
    return token_response(pair)
