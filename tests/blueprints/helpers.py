"""Reading back what a demo load wrote, as plain dicts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select

from orderdesk.auth.models import User
from orderdesk.catalog.models import Item
from orderdesk.container import Container
from orderdesk.orders.models import Order, OrderCounter, OrderEvent, OrderLine, OrderType


async def rows(
    container: Container, model: type[Any], order_by: Any = None
) -> list[dict[str, Any]]:
    table = model.__table__
    stmt = select(table).order_by(order_by if order_by is not None else table.c.id)
    async with container.read_sessions() as session:
        return [dict(row._mapping) for row in await session.execute(stmt)]


class Demo:
    """Everything a demo load wrote, indexed the way the tests look at it."""

    def __init__(self) -> None:
        self.orders: list[dict[str, Any]] = []
        self.lines: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.events: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.items: dict[int, dict[str, Any]] = {}
        self.users: dict[int, dict[str, Any]] = {}
        self.types: dict[int, dict[str, Any]] = {}
        self.counters: list[dict[str, Any]] = []

    @classmethod
    async def read(cls, container: Container) -> Demo:
        demo = cls()
        demo.orders = await rows(container, Order)
        for line in await rows(container, OrderLine):
            demo.lines[line["order_id"]].append(line)
        for event in await rows(container, OrderEvent):
            demo.events[event["order_id"]].append(event)
        demo.items = {item["id"]: item for item in await rows(container, Item)}
        demo.users = {user["id"]: user for user in await rows(container, User)}
        demo.types = {t["id"]: t for t in await rows(container, OrderType)}
        demo.counters = await rows(container, OrderCounter, OrderCounter.period)
        return demo

    def staff_of(self, unit_id: int) -> dict[str, Any]:
        return next(
            u for u in self.users.values() if u["role"] == "staff" and u["unit_id"] == unit_id
        )
