"""Rate limits: moving windows in this process by default, in Redis (`limits`) when configured."""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Any

from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from redis.asyncio import Redis

from orderdesk.core.errors import RateLimited

SWEEP_SECONDS = 60.0


class RateLimiter:
    """Counts hits per key against a rate such as "10/minute"."""

    def __init__(
        self, redis_url: str | None = None, *, prefix: str = "orderdesk", redis: Redis | None = None
    ) -> None:
        self.storage: Storage | None = None
        self._memory: MemoryWindows | None = None
        if not redis_url:
            self._memory = MemoryWindows()
            return
        uri = redis_url if redis_url.startswith("async+") else "async+" + redis_url
        # Share the container's pool; `limits` types its options narrower than it accepts.
        options: dict[str, Any] = {}
        if redis is not None:
            options["connection_pool"] = redis.connection_pool
        storage = storage_from_string(uri, implementation="redispy", key_prefix=prefix, **options)
        assert isinstance(storage, Storage)
        self.storage = storage
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, rate: str, *key: str) -> None:
        """Count one hit; raise RateLimited with Retry-After when the rate is exceeded."""
        item = parse(rate)
        if self._memory is not None:
            reset_at = self._memory.hit(item, key, time.time())
            if reset_at is None:
                return
        else:
            if await self._limiter.hit(item, *key):
                return
            reset_at = (await self._limiter.get_window_stats(item, *key)).reset_time
        raise RateLimited(math.ceil(max(1.0, reset_at - time.time())))

    async def reset(self) -> None:
        """Forget every counter (Redis: only the keys under this limiter's prefix)."""
        if self._memory is not None:
            self._memory.clear()
        elif self.storage is not None:
            await self.storage.reset()


class MemoryWindows:
    """Moving windows of one process: per key, the times of the hits still in its window.

    `limits`' own memory storage hands every key to a thread (`asyncio.to_thread`) on each
    expiry pass, scheduled after every hit: with a few thousand Telegram users that was ~4 %
    of the webhook's CPU. Here a hit trims its own key; idle keys go in a sweep once a minute.
    """

    def __init__(self) -> None:
        self._hits: dict[tuple[str, ...], tuple[deque[float], float]] = {}
        self._next_sweep = 0.0

    def hit(self, item: RateLimitItem, key: tuple[str, ...], now: float) -> float | None:
        """Count a hit at `now`; None if allowed, else when the oldest hit leaves the window."""
        seconds = float(item.get_expiry())
        window_key = (str(item.amount), str(seconds), *key)
        entry = self._hits.get(window_key)
        if entry is None:
            entry = self._hits[window_key] = (deque(), seconds)
        hits = entry[0]
        while hits and hits[0] <= now - seconds:
            hits.popleft()
        if len(hits) >= item.amount:
            return hits[0] + seconds
        hits.append(now)
        if now >= self._next_sweep:
            self._sweep(now)
        return None

    def clear(self) -> None:
        self._hits.clear()

    def _sweep(self, now: float) -> None:
        self._next_sweep = now + SWEEP_SECONDS
        idle = [
            k for k, (hits, seconds) in self._hits.items() if not hits or hits[-1] <= now - seconds
        ]
        for window_key in idle:
            del self._hits[window_key]
