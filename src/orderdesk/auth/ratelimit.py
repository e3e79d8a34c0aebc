"""Rate limits behind one interface; memory by default, Redis when ORDERDESK_REDIS_URL is set."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from orderdesk.core.errors import RateLimited


class RateLimiter:
    """Counts hits per key against a rate such as "10/minute"."""

    def __init__(self, redis_url: str | None = None) -> None:
        if redis_url:
            uri = redis_url if redis_url.startswith("async+") else "async+" + redis_url
            storage = storage_from_string(uri, implementation="redispy", key_prefix="orderdesk")
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
        await self.storage.reset()
