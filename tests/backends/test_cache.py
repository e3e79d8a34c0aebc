"""Cache: TTL, delete, prefix invalidation, copies of values, LRU bound."""

from __future__ import annotations

import asyncio

from orderdesk.backends import Backends
from orderdesk.backends.cache import MemoryCache, cached


async def test_set_value_is_read_back_until_its_ttl_passes(backends: Backends) -> None:
    await backends.cache.set("k", {"a": [1, 2], "b": "ы"}, ttl=0.3)
    assert await backends.cache.get("k") == {"a": [1, 2], "b": "ы"}
    await asyncio.sleep(0.4)
    assert await backends.cache.get("k") is None


async def test_delete_removes_only_named_keys(backends: Backends) -> None:
    await backends.cache.set("a", 1, ttl=60)
    await backends.cache.set("b", 2, ttl=60)
    await backends.cache.delete("a", "missing")
    assert await backends.cache.get("a") is None
    assert await backends.cache.get("b") == 2


async def test_delete_prefix_invalidates_a_whole_group(backends: Backends) -> None:
    for key in ("types:1", "types:2", "typesx", "items:1"):
        await backends.cache.set(key, key, ttl=60)
    assert await backends.cache.delete_prefix("types:") == 2
    assert await backends.cache.get("types:1") is None
    assert await backends.cache.get("typesx") == "typesx"
    assert await backends.cache.get("items:1") == "items:1"


async def test_cached_loads_once_then_serves_the_stored_value(backends: Backends) -> None:
    calls = 0

    async def load() -> dict[str, int]:
        nonlocal calls
        calls += 1
        return {"n": calls}

    first = await cached(backends.cache, "x", 60, load)
    second = await cached(backends.cache, "x", 60, load)
    assert first == second == {"n": 1}
    assert calls == 1


async def test_mutating_a_returned_value_does_not_change_the_cache(backends: Backends) -> None:
    await backends.cache.set("k", {"list": [1]}, ttl=60)
    value = await backends.cache.get("k")
    value["list"].append(2)
    assert await backends.cache.get("k") == {"list": [1]}


async def test_reset_leaves_other_namespaces_alone(backends: Backends) -> None:
    await backends.cache.set("k", 1, ttl=60)
    await backends.cache.reset()
    assert await backends.cache.get("k") is None


async def test_memory_cache_evicts_least_recently_used_beyond_its_bound() -> None:
    cache = MemoryCache(max_entries=2)
    await cache.set("a", 1, ttl=60)
    await cache.set("b", 2, ttl=60)
    await cache.get("a")
    await cache.set("c", 3, ttl=60)
    assert await cache.get("b") is None
    assert await cache.get("a") == 1
    assert await cache.get("c") == 3
