"""Order types by code, cached: read on every order create, invalidated by every type write.

Writers invalidate twice: at once, and again when their transaction has ended, so a reader that
loaded the old row between the two (before the commit) cannot keep it for a whole TTL.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.backends.cache import Cache, cached
from orderdesk.core.transaction import after_transaction
from orderdesk.orders import repository as repo
from orderdesk.orders.models import OrderType

PREFIX = "order_types:"
FIELDS = (
    "id",
    "code",
    "name",
    "number_format",
    "attribute_schema",
    "workflow",
    "books_time_range",
    "one_active_per_item",
    "requires_phone",
    "vat_rate",
    "prices_include_vat",
    "currency",
    "active",
    "version",
)


def _to_cache(order_type: OrderType) -> dict[str, Any]:
    row = {field: getattr(order_type, field) for field in FIELDS}
    row["vat_rate"] = str(order_type.vat_rate)
    return row


def _from_cache(row: dict[str, Any]) -> OrderType:
    """A detached OrderType for reading (never added to a session)."""
    return OrderType(**{**row, "vat_rate": Decimal(row["vat_rate"])})


async def type_by_code(
    session: AsyncSession, code: str, *, cache: Cache | None, ttl: float
) -> OrderType | None:
    """The order type with this code, from the cache when given (read-only use)."""
    if cache is None:
        return await repo.get_type_by_code(session, code)

    async def load() -> dict[str, Any] | None:
        found = await repo.get_type_by_code(session, code)
        return None if found is None else _to_cache(found)

    row = await cached(cache, f"{PREFIX}code:{code}", ttl, load)
    return None if row is None else _from_cache(row)


async def invalidate(session: AsyncSession, cache: Cache) -> None:
    """Forget every cached order type, now and again after the session's transaction."""

    async def forget() -> None:
        await cache.delete_prefix(PREFIX)

    await forget()
    after_transaction(session, forget)
