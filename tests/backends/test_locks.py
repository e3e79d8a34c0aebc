"""Locks: one owner at a time, release and extend only by the owner, expiry by TTL."""

from __future__ import annotations

import asyncio

import pytest

from orderdesk.backends import Backends
from orderdesk.backends.locks import LockNotAcquired, MemoryLocks, hold


async def test_second_acquire_of_a_held_lock_gets_nothing(backends: Backends) -> None:
    token = await backends.locks.acquire("job", ttl=5)
    assert token is not None
    assert await backends.locks.acquire("job", ttl=5) is None
    assert await backends.locks.acquire("other", ttl=5) is not None


async def test_only_the_owner_token_releases(backends: Backends) -> None:
    token = await backends.locks.acquire("job", ttl=5)
    assert token is not None
    assert not await backends.locks.release("job", "someone-else")
    assert await backends.locks.acquire("job", ttl=5) is None
    assert await backends.locks.release("job", token)
    assert await backends.locks.acquire("job", ttl=5) is not None


async def test_lock_expires_after_its_ttl_and_old_owner_cannot_release_it(
    backends: Backends,
) -> None:
    old = await backends.locks.acquire("job", ttl=0.2)
    assert old is not None
    await asyncio.sleep(0.3)
    new = await backends.locks.acquire("job", ttl=5)
    assert new is not None
    assert not await backends.locks.release("job", old)
    assert await backends.locks.acquire("job", ttl=5) is None


async def test_extend_keeps_the_lock_past_its_first_ttl(backends: Backends) -> None:
    token = await backends.locks.acquire("job", ttl=0.3)
    assert token is not None
    assert await backends.locks.extend("job", token, ttl=5)
    assert not await backends.locks.extend("job", "someone-else", ttl=5)
    await asyncio.sleep(0.4)
    assert await backends.locks.acquire("job", ttl=5) is None


async def test_hold_releases_on_exit_and_refuses_while_held(backends: Backends) -> None:
    async with hold(backends.locks, "job", ttl=5):
        with pytest.raises(LockNotAcquired):
            async with hold(backends.locks, "job", ttl=5, wait=0.1):
                pass
    async with hold(backends.locks, "job", ttl=5):
        pass


async def test_hold_waits_for_the_holder_to_finish(backends: Backends) -> None:
    order: list[str] = []

    async def worker(name: str) -> None:
        async with hold(backends.locks, "job", ttl=5, wait=2):
            order.append(f"{name} in")
            await asyncio.sleep(0.1)
            order.append(f"{name} out")

    await asyncio.gather(worker("a"), worker("b"))
    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_memory_locks_forget_expired_locks_nobody_asks_for_again() -> None:
    locks = MemoryLocks()
    for n in range(MemoryLocks.SWEEP_ABOVE):
        await locks.acquire(f"tick-{n}", ttl=0.01)
    await asyncio.sleep(0.05)
    await locks.acquire("fresh", ttl=5)
    assert len(locks._held) == 1
