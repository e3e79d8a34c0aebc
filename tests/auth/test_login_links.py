"""One-time login links: stored hashed, single use, expire, only for active users, audited."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from orderdesk.audit.models import AuditEntry
from orderdesk.auth.links import LINK_PATH, consume_login_link, issue_login_link, links_of
from orderdesk.auth.models import LoginLink
from orderdesk.container import Container
from orderdesk.core.errors import Unauthorized
from orderdesk.db.types import utcnow
from tests.conftest import UserFactory


async def _issue(container: Container, user_id: int) -> str:
    async with container.write_sessions() as session, session.begin():
        from orderdesk.auth.models import User

        user = await session.get(User, user_id)
        assert user is not None
        url = await issue_login_link(session, user=user, settings=container.settings)
    return url.rsplit(LINK_PATH, 1)[1]


async def _consume(container: Container, token: str) -> int:
    async with container.write_sessions() as session:
        try:
            user = await consume_login_link(session, token=token)
        except Unauthorized:
            await session.commit()  # what the request boundary does for commit=True errors
            raise
        await session.commit()
        return user.id


async def test_a_link_logs_its_user_in_once(container: Container, make_user: UserFactory) -> None:
    user = await make_user("manager")
    token = await _issue(container, user.id)
    assert len(token) >= 43  # 32 random bytes, url-safe base64
    assert await _consume(container, token) == user.id
    with pytest.raises(Unauthorized):
        await _consume(container, token)


async def test_only_the_hash_of_the_token_is_stored(
    container: Container, make_user: UserFactory
) -> None:
    user = await make_user("manager")
    token = await _issue(container, user.id)
    async with container.read_sessions() as session:
        (link,) = await links_of(session, user.id)
    assert token not in link.token_hash
    assert len(link.token_hash) == 64


async def test_an_expired_link_is_refused(container: Container, make_user: UserFactory) -> None:
    user = await make_user("manager")
    token = await _issue(container, user.id)
    async with container.write_sessions() as session, session.begin():
        await session.execute(update(LoginLink).values(expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(Unauthorized):
        await _consume(container, token)


async def test_a_link_of_a_blocked_user_is_refused(
    container: Container, make_user: UserFactory
) -> None:
    user = await make_user("manager")
    token = await _issue(container, user.id)
    from orderdesk.auth.models import User

    async with container.write_sessions() as session, session.begin():
        await session.execute(update(User).where(User.id == user.id).values(status="blocked"))
    with pytest.raises(Unauthorized):
        await _consume(container, token)


async def test_an_unknown_token_is_refused_and_audited(container: Container) -> None:
    with pytest.raises(Unauthorized):
        await _consume(container, "x" * 43)
    async with container.read_sessions() as session:
        actions = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.success).where(
                    AuditEntry.action.like("auth.login_link%")
                )
            )
        ).all()
    assert actions == [("auth.login_link.use", False)]


async def test_two_concurrent_uses_of_one_link_let_exactly_one_in(
    container: Container, make_user: UserFactory
) -> None:
    user = await make_user("manager")
    token = await _issue(container, user.id)
    results = await asyncio.gather(
        _consume(container, token), _consume(container, token), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["Unauthorized", "int"]


async def test_issuing_and_using_are_audited(container: Container, make_user: UserFactory) -> None:
    user = await make_user("manager")
    await _consume(container, await _issue(container, user.id))
    async with container.read_sessions() as session:
        actions = (
            await session.execute(
                select(AuditEntry.action, AuditEntry.success)
                .where(AuditEntry.entity_id == str(user.id))
                .order_by(AuditEntry.id)
            )
        ).all()
    assert ("auth.login_link.issue", True) in actions
    assert ("auth.login_link.use", True) in actions
