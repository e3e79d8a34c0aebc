"""Shared-state backends behind one interface each: Redis when configured, memory otherwise."""

from __future__ import annotations

from dataclasses import dataclass

from redis.asyncio import Redis

from orderdesk.backends.cache import Cache, MemoryCache, RedisCache
from orderdesk.backends.idempotency import IdempotencyStore
from orderdesk.backends.locks import Locks, MemoryLocks, RedisLocks
from orderdesk.backends.ratelimit import RateLimiter
from orderdesk.settings import Settings

__all__ = ["Backends", "Cache", "IdempotencyStore", "Locks", "RateLimiter", "build_backends"]


@dataclass
class Backends:
    """Rate limiter, cache, locks and idempotency markers of one process."""

    redis: Redis | None
    rate_limiter: RateLimiter
    cache: Cache
    locks: Locks
    idempotency: IdempotencyStore

    async def reset(self) -> None:
        """Empty every backend (tests); in Redis only this instance's key prefix is touched."""
        await self.rate_limiter.reset()
        await self.cache.reset()
        await self.locks.reset()

    async def close(self) -> None:
        """Close the shared Redis connection pool."""
        if self.redis is not None:
            await self.redis.aclose()


def key_prefix(settings: Settings) -> str:
    """`orderdesk:<namespace>:` — every Redis key of this instance starts with it."""
    return f"orderdesk:{settings.redis_namespace}:"


def build_backends(settings: Settings) -> Backends:
    """Redis-backed when `settings.redis_url` is set, in-process otherwise."""
    prefix = key_prefix(settings)
    if not settings.redis_url:
        locks: Locks = MemoryLocks()
        return Backends(
            redis=None,
            rate_limiter=RateLimiter(),
            cache=MemoryCache(settings.cache_max_entries),
            locks=locks,
            idempotency=IdempotencyStore(locks),
        )
    redis = Redis.from_url(settings.redis_url)
    locks = RedisLocks(redis, prefix)
    return Backends(
        redis=redis,
        rate_limiter=RateLimiter(settings.redis_url, prefix=prefix + "ratelimit", redis=redis),
        cache=RedisCache(redis, prefix),
        locks=locks,
        idempotency=IdempotencyStore(locks),
    )
