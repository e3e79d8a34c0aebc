"""A big import refreshes the planner's statistics of the tables it filled (PostgreSQL)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, text

from orderdesk.container import Container
from orderdesk.orders.models import Order
from orderdesk.transfer.importing import jobs
from tests.factories import make_order_type
from tests.transfer.importing.helpers import import_rows

pytestmark = pytest.mark.usefixtures("worker")
ROWS = [
    ["№ заказа", "Наименование", "Кол-во", "Цена"],
    ["S-1", "Доставка", "1", "300"],
    ["S-1", "Сборка", "2", "150"],
    ["S-2", "Монтаж", "1", "1000"],
]


async def test_an_import_above_the_threshold_leaves_the_orders_table_analysed(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(jobs, "ANALYZE_AFTER_ROWS", 2)
    await make_order_type(container, "request")

    done = await import_rows(
        client, container, admin_headers, ROWS, target="orders", type="request"
    )

    assert done["status"] == "succeeded", (done["error"], done["report"])
    async with container.read_sessions() as session:
        orders = await session.scalar(select(func.count()).select_from(Order))
        if session.get_bind().dialect.name != "postgresql":
            return  # SQLite: nothing is analysed (see jobs._analyze)
        estimate = await session.scalar(
            text("SELECT reltuples FROM pg_class WHERE relname = 'orders'")
        )
    assert orders == 2
    assert estimate == orders
