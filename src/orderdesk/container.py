"""The shared resources one orderdesk process holds; built once by create_app or the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orderdesk.auth.passwords import Passwords
from orderdesk.auth.tokens import TokenCodec
from orderdesk.backends import Backends, Cache, IdempotencyStore, Locks, RateLimiter, build_backends
from orderdesk.db.engine import create_engine, session_factories
from orderdesk.settings import Settings


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords
    tokens: TokenCodec
    backends: Backends

    @property
    def rate_limiter(self) -> RateLimiter:
        return self.backends.rate_limiter

    @property
    def cache(self) -> Cache:
        return self.backends.cache

    @property
    def locks(self) -> Locks:
        return self.backends.locks

    @property
    def idempotency(self) -> IdempotencyStore:
        return self.backends.idempotency

    @classmethod
    def build(cls, settings: Settings) -> Container:
        engine = create_engine(settings)
        read, write = session_factories(engine)
        return cls(
            settings=settings,
            engine=engine,
            read_sessions=read,
            write_sessions=write,
            passwords=Passwords(settings),
            tokens=TokenCodec(settings),
            backends=build_backends(settings),
        )

    async def close(self) -> None:
        await self.engine.dispose()
        await self.backends.close()
