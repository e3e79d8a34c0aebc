"""One-time login links over HTTP: the page never spends the link, the POST does, once."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from datetime import timedelta

import httpx
import structlog
from sqlalchemy import select, update

from orderdesk.app import create_app
from orderdesk.audit.models import AuditEntry
from orderdesk.auth.links import LINK_PATH, issue_login_link
from orderdesk.auth.models import LoginLink, User
from orderdesk.container import Container
from orderdesk.db.types import utcnow
from tests.conftest import UserFactory

EXCHANGE = "/api/v1/auth/link"


async def issue(container: Container, user_id: int) -> str:
    """A fresh link's token, issued the way the bot's /login does."""
    async with container.write_sessions() as session, session.begin():
        user = await session.get(User, user_id)
        assert user is not None
        url = await issue_login_link(session, user=user, settings=container.settings)
    return url.rsplit(LINK_PATH, 1)[1]


async def test_a_link_exchanged_once_logs_in_and_the_second_use_is_401(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory
) -> None:
    user = await make_user("manager")
    token = await issue(container, user.id)
    first = await client.post(EXCHANGE, json={"token": token})
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"] == "no-store"
    headers = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert (await client.get("/api/v1/auth/me", headers=headers)).json()["id"] == user.id
    second = await client.post(EXCHANGE, json={"token": token})
    assert second.status_code == 401
    assert second.headers["content-type"] == "application/problem+json"


async def test_opening_the_link_page_never_spends_the_link(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory
) -> None:
    user = await make_user("manager")
    token = await issue(container, user.id)
    for _ in range(3):  # a preview bot, the browser, a reload
        page = await client.get(LINK_PATH + token)
        assert page.status_code == 200
    async with container.read_sessions() as session:
        link = (await session.execute(select(LoginLink))).scalar_one()
    assert link.used_at is None
    assert (await client.post(EXCHANGE, json={"token": token})).status_code == 200


async def test_the_link_page_has_strict_headers_and_does_not_echo_the_token(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory
) -> None:
    token = await issue(container, (await make_user("manager")).id)
    page = await client.get(LINK_PATH + token)
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    [csp] = page.headers.get_list("content-security-policy")
    nonce = re.search(r"script-src 'nonce-([^']+)'", csp)
    assert nonce is not None
    assert f'<script nonce="{nonce.group(1)}">' in page.text
    assert "default-src 'none'" in csp
    assert "connect-src 'self'" in csp
    assert token not in page.text
    assert 'content="no-referrer"' in page.text
    assert "sessionStorage.setItem" in page.text
    assert 'location.replace("/")' in page.text


async def test_the_link_page_speaks_russian_or_english_by_accept_language(
    client: httpx.AsyncClient,
) -> None:
    ru = await client.get(LINK_PATH + "whatever", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    en = await client.get(LINK_PATH + "whatever", headers={"Accept-Language": "en-GB"})
    assert '<html lang="ru">' in ru.text
    assert "Войти" in ru.text
    assert '<html lang="en">' in en.text
    assert "Log in" in en.text


async def test_an_expired_link_is_401(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory
) -> None:
    token = await issue(container, (await make_user("manager")).id)
    async with container.write_sessions() as session, session.begin():
        await session.execute(update(LoginLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    response = await client.post(EXCHANGE, json={"token": token})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_an_unknown_or_malformed_token_is_401_or_422_never_500(
    client: httpx.AsyncClient, container: Container
) -> None:
    assert (await client.post(EXCHANGE, json={"token": "nope"})).status_code == 401
    assert (await client.post(EXCHANGE, json={"token": ""})).status_code == 422
    assert (await client.post(EXCHANGE, json={"token": "x" * 500})).status_code == 422
    async with container.read_sessions() as session:
        failures = (
            await session.execute(
                select(AuditEntry).where(
                    AuditEntry.action == "auth.login_link.use", AuditEntry.success.is_(False)
                )
            )
        ).all()
    assert len(failures) == 1


async def test_a_link_login_is_audited_as_a_login_by_link(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory
) -> None:
    user = await make_user("manager")
    token = await issue(container, user.id)
    assert (await client.post(EXCHANGE, json={"token": token})).status_code == 200
    async with container.read_sessions() as session:
        entry = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "auth.login"))
        ).scalar_one()
    assert (entry.detail, entry.entity_id) == ("login_link", str(user.id))


async def test_the_access_log_never_carries_the_token(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory
) -> None:
    token = await issue(container, (await make_user("manager")).id)
    saved = structlog.get_config()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    try:
        with structlog.testing.capture_logs() as logs:
            await client.get(LINK_PATH + token)
            await client.post(EXCHANGE, json={"token": token})
    finally:
        structlog.configure(**saved)
    requests = [entry for entry in logs if entry.get("event") == "request"]
    assert requests
    assert all(token not in repr(entry) for entry in logs)
    assert requests[0]["path"] == LINK_PATH + "…"


async def test_two_simultaneous_exchanges_of_one_link_log_in_once(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory
) -> None:
    token = await issue(container, (await make_user("manager")).id)
    responses = await asyncio.gather(
        *(client.post(EXCHANGE, json={"token": token}) for _ in range(4))
    )
    assert sorted(r.status_code for r in responses) == [200, 401, 401, 401]


async def test_link_exchanges_over_the_address_rate_get_429(
    container: Container, make_user: UserFactory
) -> None:
    settings = container.settings.model_copy(update={"login_rate_per_ip": "2/minute"})
    app = create_app(container=dataclasses.replace(container, settings=settings))
    transport = httpx.ASGITransport(app=app, client=("10.9.8.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        for _ in range(2):
            assert (await http.post(EXCHANGE, json={"token": "guess"})).status_code == 401
        token = await issue(container, (await make_user("manager")).id)
        limited = await http.post(EXCHANGE, json={"token": token})
    assert limited.status_code == 429
    async with container.read_sessions() as session:
        link = (await session.execute(select(LoginLink))).scalar_one()
    assert link.used_at is None  # a refused attempt does not burn the link
