"""Telegram login and account linking over HTTP: Mini App initData, Login Widget, link/unlink."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from orderdesk.app import create_app
from orderdesk.audit.models import AuditEntry
from orderdesk.auth.models import User
from orderdesk.container import Container
from orderdesk.telegram.accounts import find_user
from tests.conftest import LoginFactory, UserFactory
from tests.telegram.standin import TOKEN
from tests.telegram.test_verify import signed_init_data, signed_widget

WEBAPP = "/api/v1/auth/telegram/webapp"
WIDGET = "/api/v1/auth/telegram/widget"
LINK = "/api/v1/auth/telegram/link"
ME = "/api/v1/auth/me"
ClientFactory = Callable[..., Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def tg_client(container: Container) -> AsyncIterator[ClientFactory]:
    """Clients of an app with the bot turned on; settings overridable per test."""
    opened: list[httpx.AsyncClient] = []

    async def make(**overrides: Any) -> httpx.AsyncClient:
        settings = container.settings.model_copy(
            update={"telegram_bot_token": TOKEN, "telegram_webhook_secret": "s" * 40, **overrides}
        )
        app = create_app(container=dataclasses.replace(container, settings=settings))
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50001))
        http = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append(http)
        return http

    yield make
    for http in opened:
        await http.aclose()


def now() -> datetime:
    return datetime.now(UTC)


def init_data(tg_id: int = 5001, **fields: Any) -> str:
    user = {"id": tg_id, "first_name": "Мария", "last_name": "Ким", "language_code": "ru"}
    return signed_init_data(TOKEN, auth_date=now(), user=user, **fields)


def widget(tg_id: int = 5001, **fields: Any) -> dict[str, Any]:
    return signed_widget(TOKEN, auth_date=now(), id=tg_id, **fields)


def bearer(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def audit_rows(container: Container, action: str) -> list[AuditEntry]:
    async with container.read_sessions() as session:
        rows = await session.execute(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return list(rows.scalars())


async def user_by_telegram(container: Container, tg_id: int) -> User | None:
    async with container.read_sessions() as session:
        return await find_user(session, tg_id)


# --- Mini App ------------------------------------------------------------------------------


async def test_mini_app_first_contact_creates_a_customer_and_logs_them_in(
    tg_client: ClientFactory, container: Container
) -> None:
    client = await tg_client()
    response = await client.post(WEBAPP, json={"init_data": init_data(start_param="shop")})
    assert response.headers["cache-control"] == "no-store"
    me = await client.get(ME, headers=bearer(response))
    assert me.status_code == 200
    body = me.json()
    assert (body["telegram_id"], body["role"], body["status"]) == (5001, "customer", "active")
    assert body["display_name"] == "Мария Ким"
    [entry] = await audit_rows(container, "auth.login")
    assert entry.detail == "telegram_webapp"


async def test_mini_app_returns_a_rotating_refresh_token(tg_client: ClientFactory) -> None:
    client = await tg_client()
    pair = (await client.post(WEBAPP, json={"init_data": init_data()})).json()
    rotated = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert rotated.status_code == 200
    reused = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert reused.status_code == 401


async def test_mini_app_second_login_reuses_the_same_user(
    tg_client: ClientFactory, container: Container
) -> None:
    client = await tg_client()
    first = (
        await client.get(
            ME, headers=bearer(await client.post(WEBAPP, json={"init_data": init_data()}))
        )
    ).json()
    second = (
        await client.get(
            ME, headers=bearer(await client.post(WEBAPP, json={"init_data": init_data()}))
        )
    ).json()
    assert first["id"] == second["id"]
    async with container.read_sessions() as session:
        users = (await session.execute(select(User).where(User.telegram_id == 5001))).all()
    assert len(users) == 1


async def test_mini_app_newcomer_waits_for_approval_when_new_users_are_pending(
    tg_client: ClientFactory, container: Container
) -> None:
    client = await tg_client(telegram_new_user_status="pending")
    response = await client.post(WEBAPP, json={"init_data": init_data()})
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert "approval" in response.json()["detail"]
    user = await user_by_telegram(container, 5001)
    assert user is not None
    assert user.status == "pending"  # kept despite the error


async def test_mini_app_login_of_a_blocked_user_is_forbidden_in_russian(
    tg_client: ClientFactory, make_user: UserFactory
) -> None:
    await make_user("customer", telegram_id=5001, status="blocked")
    client = await tg_client()
    response = await client.post(
        WEBAPP, json={"init_data": init_data()}, headers={"Accept-Language": "ru"}
    )
    assert response.status_code == 403
    assert "заблокирована" in response.json()["detail"]


async def test_mini_app_tampered_init_data_is_401_and_audited(
    tg_client: ClientFactory, container: Container
) -> None:
    client = await tg_client()
    forged = init_data().replace("5001", "5002")
    response = await client.post(WEBAPP, json={"init_data": forged})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    [entry] = await audit_rows(container, "auth.login_failed")
    assert (entry.success, entry.detail) == (False, "signature mismatch")
    assert await user_by_telegram(container, 5002) is None


async def test_mini_app_init_data_signed_for_another_bot_is_401(tg_client: ClientFactory) -> None:
    client = await tg_client()
    other = signed_init_data("999:OTHER-BOT", auth_date=now(), user={"id": 5001})
    assert (await client.post(WEBAPP, json={"init_data": other})).status_code == 401


async def test_mini_app_stale_init_data_is_401_with_a_clear_message(
    tg_client: ClientFactory,
) -> None:
    client = await tg_client()
    stale = signed_init_data(TOKEN, auth_date=now() - timedelta(hours=2), user={"id": 5001})
    response = await client.post(WEBAPP, json={"init_data": stale})
    assert response.status_code == 401
    assert "too old" in response.json()["detail"]


@pytest.mark.parametrize(
    "value",
    ["", "garbage", "a=1&a=2", "x" * 20_000, "user=%7B&hash=" + "0" * 64],
    ids=["empty", "garbage", "duplicate", "huge", "broken-json"],
)
async def test_mini_app_malformed_init_data_is_401_never_500(
    tg_client: ClientFactory, value: str
) -> None:
    client = await tg_client()
    response = await client.post(WEBAPP, json={"init_data": value})
    assert response.status_code == 401, response.text


async def test_mini_app_body_that_is_not_the_schema_is_422(tg_client: ClientFactory) -> None:
    client = await tg_client()
    assert (await client.post(WEBAPP, json={"init_data": 5})).status_code == 422
    assert (await client.post(WEBAPP, json=["x"])).status_code == 422


async def test_telegram_routes_do_not_exist_without_a_bot_token(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    assert (await client.post(WEBAPP, json={"init_data": init_data()})).status_code == 404
    assert (await client.post(WIDGET, json=widget())).status_code == 404
    link = await client.post(LINK, json={"widget": widget()}, headers=admin_headers)
    assert link.status_code == 404
    assert (await client.delete(LINK, headers=admin_headers)).status_code == 404


async def test_mini_app_logins_over_the_address_rate_get_429(
    tg_client: ClientFactory, container: Container
) -> None:
    client = await tg_client(login_rate_per_ip="3/minute")
    for _ in range(3):
        assert (await client.post(WEBAPP, json={"init_data": "bad"})).status_code == 401
    limited = await client.post(WEBAPP, json={"init_data": init_data()})
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) >= 1
    assert await audit_rows(container, "auth.login_rate_limited")


async def test_mini_app_logins_of_one_account_over_the_rate_get_429(
    tg_client: ClientFactory,
) -> None:
    client = await tg_client(login_rate_per_username="2/minute")
    for _ in range(2):
        assert (await client.post(WEBAPP, json={"init_data": init_data()})).status_code == 200
    assert (await client.post(WEBAPP, json={"init_data": init_data()})).status_code == 429
    other = await client.post(WEBAPP, json={"init_data": init_data(tg_id=6001)})
    assert other.status_code == 200


# --- Login Widget --------------------------------------------------------------------------


async def test_widget_logs_in_a_linked_user(
    tg_client: ClientFactory, make_user: UserFactory, container: Container
) -> None:
    manager = await make_user("manager", telegram_id=5001)
    client = await tg_client()
    me = await client.get(ME, headers=bearer(await client.post(WIDGET, json=widget())))
    assert me.json()["id"] == manager.id
    [entry] = await audit_rows(container, "auth.login")
    assert entry.detail == "telegram_widget"


async def test_widget_refuses_an_unknown_telegram_account_by_default(
    tg_client: ClientFactory, container: Container
) -> None:
    client = await tg_client()
    response = await client.post(WIDGET, json=widget())
    assert response.status_code == 401
    assert "not linked" in response.json()["detail"]
    assert await user_by_telegram(container, 5001) is None


async def test_widget_creates_a_customer_when_configured(
    tg_client: ClientFactory, container: Container
) -> None:
    client = await tg_client(telegram_widget_creates_users=True)
    me = await client.get(ME, headers=bearer(await client.post(WIDGET, json=widget())))
    assert (me.json()["telegram_id"], me.json()["role"]) == (5001, "customer")


@pytest.mark.parametrize(
    "body",
    [{}, {"id": 5001}, {"id": {"x": 1}, "hash": "0" * 64}, {"hash": "z" * 64, "auth_date": 1}],
    ids=["empty", "unsigned", "object-id", "bad-hash"],
)
async def test_widget_malformed_payloads_are_401(tg_client: ClientFactory, body: Any) -> None:
    client = await tg_client()
    response = await client.post(WIDGET, json=body)
    assert response.status_code == 401, response.text


async def test_widget_stale_payload_is_401(
    tg_client: ClientFactory, make_user: UserFactory
) -> None:
    await make_user("manager", telegram_id=5001)
    client = await tg_client()
    stale = signed_widget(TOKEN, auth_date=now() - timedelta(days=2), id=5001)
    assert (await client.post(WIDGET, json=stale)).status_code == 401


# --- linking -------------------------------------------------------------------------------


async def test_a_password_user_links_telegram_and_then_logs_in_from_the_mini_app(
    tg_client: ClientFactory, make_user: UserFactory, container: Container
) -> None:
    olga = await make_user("manager", username="olga")
    client = await tg_client()
    headers = bearer(
        await client.post(
            "/api/v1/auth/login", json={"username": "olga", "password": "Correct-Horse-42"}
        )
    )
    linked = await client.post(LINK, json={"widget": widget()}, headers=headers)
    assert linked.status_code == 200, linked.text
    assert linked.json()["telegram_id"] == 5001
    me = await client.get(
        ME, headers=bearer(await client.post(WEBAPP, json={"init_data": init_data()}))
    )
    assert me.json()["id"] == olga.id
    [entry] = await audit_rows(container, "user.telegram_link")
    assert entry.after == {"telegram_id": 5001}


async def test_linking_with_init_data_works_too_and_is_idempotent(
    tg_client: ClientFactory, make_user: UserFactory, login: LoginFactory
) -> None:
    user = await make_user("staff")
    client = await tg_client()
    headers = await login(user)
    for _ in range(2):
        response = await client.post(LINK, json={"init_data": init_data()}, headers=headers)
        assert response.json()["telegram_id"] == 5001


async def test_linking_a_telegram_account_of_another_user_is_409(
    tg_client: ClientFactory, make_user: UserFactory, login: LoginFactory, container: Container
) -> None:
    await make_user("customer", telegram_id=5001)
    me = await make_user("manager")
    client = await tg_client()
    response = await client.post(LINK, json={"widget": widget()}, headers=await login(me))
    assert response.status_code == 409
    [entry] = await audit_rows(container, "user.telegram_link")
    assert entry.success is False


async def test_linking_needs_exactly_one_credential_and_a_valid_one(
    tg_client: ClientFactory, make_user: UserFactory, login: LoginFactory
) -> None:
    headers = await login(await make_user("manager"))
    client = await tg_client()
    assert (await client.post(LINK, json={}, headers=headers)).status_code == 401
    both = {"widget": widget(), "init_data": init_data()}
    assert (await client.post(LINK, json=both, headers=headers)).status_code == 401
    forged = {"widget": {**widget(), "id": 7777}}
    assert (await client.post(LINK, json=forged, headers=headers)).status_code == 401


async def test_linking_without_logging_in_is_401(tg_client: ClientFactory) -> None:
    client = await tg_client()
    assert (await client.post(LINK, json={"widget": widget()})).status_code == 401


async def test_unlinking_removes_the_link_and_the_widget_no_longer_logs_in(
    tg_client: ClientFactory, make_user: UserFactory, login: LoginFactory, container: Container
) -> None:
    user = await make_user("manager", telegram_id=5001)
    client = await tg_client()
    response = await client.delete(LINK, headers=await login(user))
    assert response.status_code == 200
    assert response.json()["telegram_id"] is None
    assert (await client.post(WIDGET, json=widget())).status_code == 401
    [entry] = await audit_rows(container, "user.telegram_unlink")
    assert entry.before == {"telegram_id": 5001}


async def test_a_telegram_only_customer_cannot_unlink_their_only_way_in(
    tg_client: ClientFactory,
) -> None:
    client = await tg_client()
    headers = bearer(await client.post(WEBAPP, json={"init_data": init_data()}))
    response = await client.delete(LINK, headers=headers)
    assert response.status_code == 409
    assert (await client.get(ME, headers=headers)).json()["telegram_id"] == 5001
