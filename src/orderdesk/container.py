"""The shared resources one orderdesk process holds; built once by create_app or the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from orderdesk.auth.passwords import Passwords
from orderdesk.auth.ratelimit import RateLimiter
from orderdesk.auth.tokens import TokenCodec
from orderdesk.db.engine import create_engine, session_factories
from orderdesk.files.storage import Storage, build_storage
from orderdesk.settings import Settings


@dataclass
class Container:
    settings: Settings
    engine: AsyncEngine
    read_sessions: async_sessionmaker[AsyncSession]
    write_sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords
    tokens: TokenCodec
    rate_limiter: RateLimiter
    storage: Storage

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
            rate_limiter=RateLimiter(settings.redis_url),
            storage=build_storage(settings),
        )

    async def close(self) -> None:
        await self.engine.dispose()
