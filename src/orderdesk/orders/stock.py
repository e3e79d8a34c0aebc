"""Stock effects of orders: availability checks, deduction, return, and edits after deduction."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from orderdesk.audit.service import jsonable
from orderdesk.catalog.models import Item
from orderdesk.core.errors import Conflict
from orderdesk.orders import repository as repo


def quantities(lines: Iterable[dict[str, Any]]) -> dict[int, Decimal]:
    """Total quantity per catalog item over some order lines."""
    needed: dict[int, Decimal] = {}
    for line in lines:
        if line["item_id"] is not None:
            needed[line["item_id"]] = needed.get(line["item_id"], Decimal(0)) + line["quantity"]
    return needed


def ensure_available(needed: dict[int, Decimal], items: Mapping[int, Item | repo.ItemRef]) -> None:
    """Raise 409 if an item that tracks stock has less than needed."""
    for item_id, quantity in needed.items():
        item = items.get(item_id)
        if item is not None and item.stock is not None and item.stock < quantity:
            raise Conflict("order.stock_short", name=item.name, left=jsonable(item.stock))


async def check_available(session: AsyncSession, lines: list[dict[str, Any]]) -> None:
    needed = quantities(lines)
    ensure_available(needed, await repo.lock_items(session, list(needed)))


async def move(session: AsyncSession, needed: dict[int, Decimal], *, sign: int) -> None:
    """Take (sign=-1) or give back (sign=+1) quantities; taking more than there is → 409."""
    items = await repo.lock_items(session, list(needed))
    if sign < 0:
        ensure_available(needed, items)
    for item_id, quantity in needed.items():
        item = items.get(item_id)
        if item is not None and item.stock is not None and quantity:
            await repo.adjust_stock(session, item_id, quantity * sign)


async def after_edit(
    session: AsyncSession, *, deducted: bool, old: list[dict[str, Any]], new: list[dict[str, Any]]
) -> None:
    """Keep stock right when lines change: move the difference if stock was already taken."""
    if not deducted:
        await check_available(session, new)
        return
    before, after = quantities(old), quantities(new)
    delta = {i: after.get(i, Decimal(0)) - before.get(i, Decimal(0)) for i in before | after}
    await move(session, {i: q for i, q in delta.items() if q > 0}, sign=-1)
    await move(session, {i: -q for i, q in delta.items() if q < 0}, sign=+1)
