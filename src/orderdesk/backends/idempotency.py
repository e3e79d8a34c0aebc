"""In-flight markers for Idempotency-Key: a second concurrent request with a key waits out.

The durable replay record stays in the `idempotency_records` table (core/http.py); this store
only says "a request with this key is running right now", across processes when Redis is set.
"""

from __future__ import annotations

from orderdesk.backends.locks import Locks

DEFAULT_IN_FLIGHT_SECONDS = 120.0


class IdempotencyStore:
    """Marks (owner, key) as in flight with a token; only the token's holder clears it."""

    def __init__(self, locks: Locks, ttl: float = DEFAULT_IN_FLIGHT_SECONDS) -> None:
        self._locks = locks
        self._ttl = ttl

    async def begin(self, owner: str, key: str) -> str | None:
        """Mark the key as in flight; None when another request holds it."""
        return await self._locks.acquire(_name(owner, key), self._ttl)

    async def end(self, owner: str, key: str, token: str) -> None:
        """Clear the marker once the request's transaction has ended."""
        await self._locks.release(_name(owner, key), token)


def _name(owner: str, key: str) -> str:
    return f"idempotency:{owner}:{key}"
