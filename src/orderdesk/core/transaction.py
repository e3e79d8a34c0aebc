"""Work that must wait until a request's (or job's) transaction has ended."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

AfterTransaction = Callable[[], Awaitable[None]]


def after_transaction(session: AsyncSession, callback: AfterTransaction) -> None:
    """Run `callback` once the session's transaction has ended, committed or rolled back."""
    session.info.setdefault("after_transaction", []).append(callback)


async def run_after_transaction(session: AsyncSession) -> None:
    """Run and forget the callbacks registered with after_transaction."""
    for callback in session.info.pop("after_transaction", []):
        await callback()
