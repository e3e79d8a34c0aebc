"""Typed FastAPI dependencies: the container, the transaction, the acting principal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.container import Container
from orderdesk.core.errors import AppError, Unauthorized
from orderdesk.core.permissions import Permission, Principal, ensure
from orderdesk.core.transaction import run_after_transaction

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_container(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


async def _container(request: Request) -> Container:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request.
    return get_container(request)


ContainerDep = Annotated[Container, Depends(_container)]


@asynccontextmanager
async def request_transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed when the handler returns (before the response).

    Read requests (GET, HEAD, OPTIONS) never write, so their session is only closed: a commit
    of an AsyncSession costs ~0.1 ms even with nothing to commit (measured under load).
    """
    container = get_container(request)
    read_only = request.method in SAFE_METHODS
    session = (container.read_sessions if read_only else container.write_sessions)()
    try:
        yield session
        if not read_only:
            await session.commit()
    except AppError as exc:
        if exc.commit and not read_only:
            await session.commit()
        raise
    finally:
        if session.in_transaction():  # a session that never touched the database has nothing
            await session.close()  # to give back; otherwise this rolls back what is left
        await run_after_transaction(session)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction as a FastAPI dependency (see `request_transaction`)."""
    async with request_transaction(request) as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


async def get_principal(request: Request, session: SessionDep) -> Principal:
    """The user behind the bearer token, if the token and its session are still valid."""
    from orderdesk.auth.service import principal_from_token

    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("auth.token_missing")
    return await principal_from_token(
        session=session, tokens=get_container(request).tokens, token=token.strip()
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_principal_read_only(request: Request) -> Principal:
    """The principal, looked up in a read session of its own.

    For routes that manage their own transactions: on SQLite a write session would take the
    database's write lock just to check the token.
    """
    async with get_container(request).read_sessions() as session:
        return await get_principal(request, session)


ReadPrincipalDep = Annotated[Principal, Depends(get_principal_read_only)]


def require(permission: Permission) -> Callable[..., Any]:
    """A dependency that returns the principal if its role grants the permission."""

    async def dependency(principal: PrincipalDep) -> Principal:
        ensure(principal, permission)
        return principal

    return dependency
