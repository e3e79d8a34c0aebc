"""A key/value cache with TTL: bounded in-process LRU, or Redis shared by every process."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

import orjson
from redis.asyncio import Redis

T = TypeVar("T")


class Cache(Protocol):
    """JSON-serialisable values under string keys; None is a miss, so it is never stored."""

    async def get(self, key: str) -> Any: ...

    async def set(self, key: str, value: Any, ttl: float) -> None: ...

    async def delete(self, *keys: str) -> None: ...

    async def delete_prefix(self, prefix: str) -> int: ...

    async def reset(self) -> None: ...


async def cached(cache: Cache, key: str, ttl: float, load: Callable[[], Awaitable[T]]) -> T:
    """The cached value of `key`, or `load()` stored for `ttl` seconds (None is not stored)."""
    found = await cache.get(key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = await load()
    if value is not None:
        await cache.set(key, value, ttl)
    return value


class MemoryCache:
    """Per-process cache: least recently used entries leave first once `max_entries` is hit."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._max = max_entries
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()

    async def get(self, key: str) -> Any:
        """The value under `key`, or None when absent or expired."""
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[0] <= time.monotonic():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return orjson.loads(entry[1])

    async def set(self, key: str, value: Any, ttl: float) -> None:
        """Store a copy of `value` (serialised, so later mutations do not leak in)."""
        self._data[key] = (time.monotonic() + ttl, orjson.dumps(value))
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def delete(self, *keys: str) -> None:
        """Drop the given keys."""
        for key in keys:
            self._data.pop(key, None)

    async def delete_prefix(self, prefix: str) -> int:
        """Drop every key starting with `prefix`; returns how many."""
        doomed = [key for key in self._data if key.startswith(prefix)]
        for key in doomed:
            del self._data[key]
        return len(doomed)

    async def reset(self) -> None:
        """Drop everything."""
        self._data.clear()


class RedisCache:
    """Cache in Redis under `<prefix>cache:`; values are orjson bytes with a TTL."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix + "cache:"

    async def get(self, key: str) -> Any:
        """The value under `key`, or None when absent or expired."""
        raw = await self._redis.get(self._prefix + key)
        return None if raw is None else orjson.loads(raw)

    async def set(self, key: str, value: Any, ttl: float) -> None:
        """Store `value` for `ttl` seconds."""
        await self._redis.set(self._prefix + key, orjson.dumps(value), px=max(1, int(ttl * 1000)))

    async def delete(self, *keys: str) -> None:
        """Drop the given keys."""
        if keys:
            await self._redis.delete(*(self._prefix + key for key in keys))

    async def delete_prefix(self, prefix: str) -> int:
        """Drop every key starting with `prefix` (SCAN, so keep cache key spaces small)."""
        return await delete_matching(self._redis, self._prefix + prefix)

    async def reset(self) -> None:
        """Drop every cache key of this instance's namespace."""
        await delete_matching(self._redis, self._prefix)


async def delete_matching(redis: Redis, prefix: str) -> int:
    """Delete every key starting with `prefix`, in batches; returns how many."""
    pattern = _glob_escape(prefix) + "*"
    deleted = 0
    batch: list[bytes] = []
    async for key in redis.scan_iter(match=pattern, count=500):
        batch.append(key)
        if len(batch) >= 500:
            deleted += await redis.delete(*batch)
            batch.clear()
    if batch:
        deleted += await redis.delete(*batch)
    return deleted


def _glob_escape(text: str) -> str:
    return "".join("\\" + ch if ch in "*?[]\\" else ch for ch in text)
