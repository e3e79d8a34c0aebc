"""The Mini App over HTTP: its page and headers, its texts, and login with verified initData."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from orderdesk.app import create_app
from orderdesk.audit.models import AuditEntry
from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.telegram.miniapp.messages import UI
from tests.e2e.initdata import BOT_TOKEN, sign_init_data, tamper

LOGIN = "/api/v1/auth/telegram/webapp"
USER = {"id": 424_242, "first_name": "Ольга", "username": "olga", "language_code": "ru"}


@asynccontextmanager
async def app_client(container: Container, **overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The app with the bot token set (same database and backends as `container`)."""
    settings = container.settings.model_copy(
        update={"telegram_bot_token": BOT_TOKEN, "telegram_webhook_secret": "s" * 40, **overrides}
    )
    app = create_app(container=dataclasses.replace(container, settings=settings))
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
async def tg_client(container: Container) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(container) as http:
        yield http


async def login(client: httpx.AsyncClient, init_data: str) -> httpx.Response:
    return await client.post(LOGIN, json={"init_data": init_data})


async def test_app_page_has_its_own_csp_without_inline_scripts_and_may_be_framed_by_telegram(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/app")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers.get_list("content-security-policy")
    assert len(csp) == 1  # replaced, not added beside the API's `default-src 'none'`
    assert "script-src 'self';" in csp[0]
    assert "unsafe-inline" not in csp[0].split("style-src")[0]
    assert "frame-ancestors 'self' https://web.telegram.org" in csp[0]
    assert "connect-src 'self' ws://testserver wss://testserver;" in csp[0]
    assert "x-frame-options" not in response.headers
    assert "<script>" not in response.text
    assert "onclick" not in response.text
    assert '<script src="/app/static/boot.js"' in response.text
    for asset in ("boot.js", "app.js", "app.css", "vendor/telegram/telegram-web-app.js"):
        served = await client.get(f"/app/static/{asset}")
        assert served.status_code == 200, asset
    api = await client.get("/health/live")
    assert api.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert api.headers["x-frame-options"] == "DENY"


async def test_a_malformed_host_header_stays_out_of_the_csp(client: httpx.AsyncClient) -> None:
    response = await client.get("/app", headers={"Host": "evil; script-src *"})
    (csp,) = response.headers.get_list("content-security-policy")
    assert "evil" not in csp
    assert "connect-src 'self';" in csp


async def test_texts_come_in_russian_and_english_with_the_same_keys(
    client: httpx.AsyncClient,
) -> None:
    texts = (await client.get("/app/texts.json")).json()
    assert set(texts) == {"ru", "en"}
    assert set(texts["ru"]) == set(texts["en"]) == {key.removeprefix("app.") for key in UI}
    assert texts["ru"]["add_to_cart"] == "В корзину"
    assert texts["en"]["add_to_cart"] == "Add to cart"
    assert all(texts["ru"][key] != texts["en"][key] for key in texts["ru"])


def test_every_text_the_app_script_asks_for_exists() -> None:
    import re
    from pathlib import Path

    from orderdesk.telegram.miniapp.routes import STATIC_DIR

    script = Path(STATIC_DIR / "app.js").read_text(encoding="utf-8")
    page = Path(STATIC_DIR / "index.html").read_text(encoding="utf-8")
    asked = set(re.findall(r"\bt\('([a-z_.]+)'", script)) | set(
        re.findall(r'data-t="([a-z_]+)"', page)
    )
    assert asked, "no texts found: the pattern is out of date"
    assert asked - {key.removeprefix("app.") for key in UI} == set()


async def test_signed_init_data_logs_a_new_telegram_customer_in_with_login_tokens(
    tg_client: httpx.AsyncClient, container: Container
) -> None:
    response = await login(tg_client, sign_init_data(USER))
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
    assert response.headers["cache-control"] == "no-store"
    me = await tg_client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["role"] == "customer"
    async with container.read_sessions() as session:
        user = (await session.execute(select(User).where(User.telegram_id == 424_242))).scalar_one()
        logins = (
            await session.execute(
                select(AuditEntry).where(
                    AuditEntry.action == "auth.login", AuditEntry.entity_id == str(user.id)
                )
            )
        ).scalars()
        assert [entry.detail for entry in logins] == ["telegram_webapp"]
    assert user.display_name == "Ольга"
    assert user.locale == "ru"
    again = await login(tg_client, sign_init_data(USER))
    assert again.status_code == 200  # the same user, not a second one
    async with container.read_sessions() as session:
        count = len((await session.execute(select(User).where(User.telegram_id == 424_242))).all())
    assert count == 1


# Signed when the test runs, not when it is collected: a full run takes long enough for
# "600 s in the future" signed at collection to be in the past by then.
@pytest.mark.parametrize(
    ("case", "make_init_data"),
    [
        ("another user's id", lambda: tamper(sign_init_data(USER), user={**USER, "id": 1})),
        ("a field added", lambda: sign_init_data(USER) + "&start_param=order_5"),
        (
            "no hash",
            lambda: "&".join(p for p in sign_init_data(USER).split("&") if "hash" not in p),
        ),
        ("other bot's token", lambda: sign_init_data(USER, bot_token="42:other-bot-token")),
        ("too old", lambda: sign_init_data(USER, auth_date=int(time.time()) - 3700)),
        ("from the future", lambda: sign_init_data(USER, auth_date=int(time.time()) + 600)),
        ("not a query string", lambda: "garbage"),
        ("hash given twice", lambda: sign_init_data(USER) + "&hash=00"),
    ],
)
async def test_unverifiable_init_data_is_refused_with_401(
    tg_client: httpx.AsyncClient,
    container: Container,
    case: str,
    make_init_data: Callable[[], str],
) -> None:
    response = await login(tg_client, make_init_data())
    assert response.status_code == 401, (case, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    async with container.read_sessions() as session:
        assert (await session.execute(select(User))).first() is None


async def test_refusal_is_explained_in_the_requested_language(tg_client: httpx.AsyncClient) -> None:
    forged = tamper(sign_init_data(USER), user={**USER, "id": 1})
    ru = await tg_client.post(LOGIN, json={"init_data": forged}, headers={"Accept-Language": "ru"})
    en = await tg_client.post(LOGIN, json={"init_data": forged}, headers={"Accept-Language": "en"})
    assert "подписи Telegram" in ru.json()["detail"]
    assert "signature check" in en.json()["detail"]


async def test_newcomer_waits_for_approval_when_new_users_start_pending(
    container: Container,
) -> None:
    async with app_client(container, telegram_new_user_status="pending") as http:
        response = await login(http, sign_init_data(USER))
    assert response.status_code == 403  # known but waiting for approval
    async with container.read_sessions() as session:
        user = (await session.execute(select(User).where(User.telegram_id == 424_242))).scalar_one()
    assert user.status == "pending"  # kept for an administrator to activate


async def test_without_a_bot_token_nobody_logs_in(client: httpx.AsyncClient) -> None:
    response = await login(client, sign_init_data(USER))
    assert response.status_code == 404  # the Telegram logins do not exist without a bot


async def test_malformed_body_is_a_4xx(tg_client: httpx.AsyncClient) -> None:
    for body in ({}, {"init_data": ""}, {"init_data": 5}, {"init_data": "x" * 9000}):
        response = await tg_client.post(LOGIN, json=body)
        assert 400 <= response.status_code < 500, body
