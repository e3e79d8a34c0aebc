"""In-flight Idempotency-Key markers: one holder per (owner, key) until it ends."""

from __future__ import annotations

from orderdesk.backends import Backends


async def test_second_begin_for_the_same_key_is_refused_until_the_first_ends(
    backends: Backends,
) -> None:
    store = backends.idempotency
    token = await store.begin("u:1", "key-1")
    assert token is not None
    assert await store.begin("u:1", "key-1") is None
    assert await store.begin("u:2", "key-1") is not None
    await store.end("u:1", "key-1", token)
    assert await store.begin("u:1", "key-1") is not None


async def test_end_with_a_stale_token_does_not_clear_a_newer_marker(backends: Backends) -> None:
    store = backends.idempotency
    token = await store.begin("u:1", "k")
    assert token is not None
    await store.end("u:1", "k", "stale")
    assert await store.begin("u:1", "k") is None
