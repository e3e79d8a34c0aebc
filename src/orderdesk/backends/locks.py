"""Named locks with a TTL and an owner token: in-process, or in Redis across processes."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Protocol

from redis.asyncio import Redis

# Delete / extend only when the stored token is the caller's: a lock that expired and was
# taken by someone else is never released or prolonged by its former owner.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""
_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


class LockNotAcquired(RuntimeError):
    """The lock is held by someone else."""


class Locks(Protocol):
    """acquire → token (None when taken); release and extend succeed only for that token."""

    async def acquire(self, name: str, ttl: float) -> str | None: ...

    async def release(self, name: str, token: str) -> bool: ...

    async def extend(self, name: str, token: str, ttl: float) -> bool: ...

    async def reset(self) -> None: ...


@asynccontextmanager
async def hold(
    locks: Locks, name: str, ttl: float, *, wait: float = 0.0, poll: float = 0.05
) -> AsyncIterator[str]:
    """Hold `name` for the block (waiting up to `wait` s); raise LockNotAcquired otherwise."""
    deadline = time.monotonic() + wait
    while (token := await locks.acquire(name, ttl)) is None:
        if time.monotonic() >= deadline:
            raise LockNotAcquired(name)
        await asyncio.sleep(poll)
    try:
        yield token
    finally:
        await locks.release(name, token)


class MemoryLocks:
    """Locks of one process (the embedded shape); expiry is checked on access."""

    SWEEP_ABOVE = 1_000

    def __init__(self) -> None:
        self._held: dict[str, tuple[str, float]] = {}

    def _sweep(self) -> None:
        """Drop expired locks nobody asks for again (e.g. past scheduler ticks)."""
        now = time.monotonic()
        for name in [name for name, (_, expires) in self._held.items() if expires <= now]:
            del self._held[name]

    def _owner(self, name: str) -> str | None:
        entry = self._held.get(name)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del self._held[name]
            return None
        return entry[0]

    async def acquire(self, name: str, ttl: float) -> str | None:
        """Take `name` for `ttl` seconds; None when someone holds it."""
        if self._owner(name) is not None:
            return None
        if len(self._held) >= self.SWEEP_ABOVE:
            self._sweep()
        token = secrets.token_hex(16)
        self._held[name] = (token, time.monotonic() + ttl)
        return token

    async def release(self, name: str, token: str) -> bool:
        """Release if `token` still owns the lock."""
        if self._owner(name) != token:
            return False
        del self._held[name]
        return True

    async def extend(self, name: str, token: str, ttl: float) -> bool:
        """Give the owner `ttl` more seconds from now."""
        if self._owner(name) != token:
            return False
        self._held[name] = (token, time.monotonic() + ttl)
        return True

    async def reset(self) -> None:
        """Forget every lock."""
        self._held.clear()


class RedisLocks:
    """SET NX PX locks under `<prefix>lock:`; release and extend are compare-and-act scripts."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = prefix + "lock:"
        self._release = redis.register_script(_RELEASE)
        self._extend = redis.register_script(_EXTEND)

    async def acquire(self, name: str, ttl: float) -> str | None:
        """Take `name` for `ttl` seconds; None when someone holds it."""
        token = secrets.token_hex(16)
        taken = await self._redis.set(self._prefix + name, token, nx=True, px=_ms(ttl))
        return token if taken else None

    async def release(self, name: str, token: str) -> bool:
        """Release if `token` still owns the lock."""
        return bool(await self._release(keys=[self._prefix + name], args=[token]))

    async def extend(self, name: str, token: str, ttl: float) -> bool:
        """Give the owner `ttl` more seconds from now."""
        return bool(await self._extend(keys=[self._prefix + name], args=[token, _ms(ttl)]))

    async def reset(self) -> None:
        """Drop every lock of this instance's namespace."""
        from orderdesk.backends.cache import delete_matching

        await delete_matching(self._redis, self._prefix)


def _ms(seconds: float) -> int:
    return max(1, int(seconds * 1000))
