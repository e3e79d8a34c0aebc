"""Rate limits through the `limits` library: memory by default, Redis when configured."""

from __future__ import annotations

import math
import time
from typing import Any

from limits import parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from redis.asyncio import Redis

from orderdesk.core.errors import RateLimited


class RateLimiter:
    """Counts hits per key against a rate such as "10/minute"."""

    def __init__(
        self, redis_url: str | None = None, *, prefix: str = "orderdesk", redis: Redis | None = None
    ) -> None:
        if redis_url:
            uri = redis_url if redis_url.startswith("async+") else "async+" + redis_url
            # Share the container's pool; `limits` types its options narrower than it accepts.
            options: dict[str, Any] = {}
            if redis is not None:
                options["connection_pool"] = redis.connection_pool
            storage = storage_from_string(
                uri, implementation="redispy", key_prefix=prefix, **options
            )
        else:
            storage = storage_from_string("async+memory://")
        assert isinstance(storage, Storage)
        self.storage: Storage = storage
        self._limiter = MovingWindowRateLimiter(self.storage)

    async def hit(self, rate: str, *key: str) -> None:
        """Count one hit; raise RateLimited with Retry-After when the rate is exceeded."""
        item = parse(rate)
        if await self._limiter.hit(item, *key):
            return
        stats = await self._limiter.get_window_stats(item, *key)
        raise RateLimited(math.ceil(max(1.0, stats.reset_time - time.time())))

    async def reset(self) -> None:
        """Forget every counter (Redis: only the keys under this limiter's prefix)."""
        await self.storage.reset()
