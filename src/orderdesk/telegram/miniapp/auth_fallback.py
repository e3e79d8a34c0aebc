"""Minimal verified Mini App login, mounted only while the real route (tauth's) is missing.

`POST /api/v1/auth/telegram/webapp {"init_data": ...}` checks the initData signature the way
Telegram specifies (secret = HMAC-SHA-256(key=b"WebAppData", msg=bot_token); data-check-string
= every field but `hash`, sorted, "key=value" joined by newlines; hash = hex HMAC-SHA-256 of it
under the secret), its freshness (`auth_date` at most `telegram_init_data_max_age_seconds` old,
at most 60 s in the future), then finds or creates the customer and answers with the same token
response as `/api/v1/auth/login`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Annotated, Any
from urllib.parse import parse_qsl

import orjson
from fastapi import APIRouter
from pydantic import StringConstraints
from starlette.responses import Response

from orderdesk.audit import service as audit
from orderdesk.auth import service
from orderdesk.auth.api import _tokens
from orderdesk.core.deps import ContainerDep, SessionDep
from orderdesk.core.errors import Unauthorized
from orderdesk.core.schemas import StrictModel
from orderdesk.db.types import utcnow
from orderdesk.telegram.accounts import TelegramIdentity, user_for_telegram
from orderdesk.telegram.miniapp import messages as _messages  # noqa: F401  (registers texts)

PATH = "/auth/telegram/webapp"
FUTURE_SKEW_SECONDS = 60


class WebAppLoginIn(StrictModel):
    init_data: Annotated[str, StringConstraints(min_length=1, max_length=8192)]


def verify_init_data(
    init_data: str, bot_token: str, *, max_age_seconds: int, now: float | None = None
) -> dict[str, Any]:
    """The verified initData fields (`user` decoded); Unauthorized for anything else."""
    if not bot_token:
        raise Unauthorized("app.auth.disabled")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise Unauthorized("app.auth.init_data_invalid") from None
    fields = dict(pairs)
    received = fields.pop("hash", "")
    if not received or len(fields) + 1 != len(pairs):  # no hash, or a key given twice
        raise Unauthorized("app.auth.init_data_invalid")
    check = "\n".join(f"{key}={fields[key]}" for key in sorted(fields))
    secret = hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()
    expected = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, received.lower()):
        raise Unauthorized("app.auth.init_data_invalid")
    try:
        auth_date = int(fields["auth_date"])
        user = orjson.loads(fields["user"])
        TelegramIdentity.from_dict(user)
    except (KeyError, ValueError, TypeError, orjson.JSONDecodeError):
        raise Unauthorized("app.auth.init_data_invalid") from None
    now = time.time() if now is None else now
    if auth_date > now + FUTURE_SKEW_SECONDS or now - auth_date > max_age_seconds:
        raise Unauthorized("app.auth.init_data_expired")
    return {**fields, "user": user}


router = APIRouter(tags=["auth"])


@router.post(PATH, summary="Log in from the Telegram Mini App with its initData")
async def webapp_login(
    body: WebAppLoginIn, session: SessionDep, container: ContainerDep
) -> Response:
    settings = container.settings
    data = verify_init_data(
        body.init_data,
        settings.telegram_bot_token,
        max_age_seconds=settings.telegram_init_data_max_age_seconds,
    )
    identity = TelegramIdentity.from_dict(data["user"])
    user, _created = await user_for_telegram(
        session, identity, status=settings.telegram_new_user_status
    )
    if user.status != "active":  # kept (commit): an administrator may activate the newcomer
        raise Unauthorized("auth.not_active", status=user.status, commit=True)
    user.last_login_at = utcnow()
    pair = await service._open_session(session, container.tokens, user)
    await audit.record(
        session,
        action="auth.login",
        actor=service.principal_of(user),
        entity_type="user",
        entity_id=user.id,
        detail="telegram_webapp",
    )
    return _tokens(pair)
