"""Every orders list filter is served by an index (two of them partial since migration 0010)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from orderdesk.container import Container
from orderdesk.core.permissions import Principal, Role
from orderdesk.orders.models import Order
from orderdesk.orders.repository import order_conditions

ADMIN = Principal(user_id=1, role=Role.admin)
JANUARY = {
    "starts_from": datetime(2025, 1, 1, tzinfo=UTC),
    "starts_to": datetime(2025, 2, 1, tzinfo=UTC),
}


async def _plan(conn: AsyncConnection, principal: Principal, filters: dict[str, Any]) -> str:
    """The database's plan for the list's WHERE clause (sequential scans off on PostgreSQL,
    so an empty table still shows whether an index can serve the filter)."""
    stmt = select(Order.id).where(*order_conditions(principal, **filters))
    sql = str(stmt.compile(conn.sync_engine, compile_kwargs={"literal_binds": True}))
    if conn.dialect.name == "postgresql":
        await conn.execute(text("SET LOCAL enable_seqscan = off"))
        rows = await conn.exec_driver_sql(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in rows)
    rows = await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
    return "\n".join(str(row[-1]) for row in rows)


@pytest.mark.parametrize(
    ("filters", "index"),
    [
        # either index serves it; the planner picks by its statistics
        ({"order_type_id": 1, "status": "new"}, "ix_orders_order_type_id_status|ix_orders_status"),
        ({"status": "new"}, "ix_orders_status"),
        ({"channel": "telegram"}, "ix_orders_channel"),
        ({"total_min": 1000}, "ix_orders_total"),
        ({"customer_id": 7}, "ix_orders_customer_id_created_at"),
        ({"unit_id": 3}, "ix_orders_unit_id_created_at"),
        ({"external_ref": "A-1"}, "ix_orders_external_ref"),  # partial: refs only
        (JANUARY, "ix_orders_starts_at"),  # partial: time ranges only
    ],
    ids=["type+status", "status", "channel", "total", "customer", "unit", "external_ref", "starts"],
)
async def test_each_list_filter_is_served_by_an_index(
    container: Container, filters: dict[str, Any], index: str
) -> None:
    async with container.engine.begin() as conn:
        plan = await _plan(conn, ADMIN, filters)
        await conn.rollback()

    assert any(name in plan for name in index.split("|")), plan


async def test_reference_and_time_range_indexes_are_partial(container: Container) -> None:
    async with container.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'orders'"
        else:
            sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'"
        definitions = {name: str(sql) for name, sql in (await conn.exec_driver_sql(sql)).all()}

    for name in ("ix_orders_starts_at", "ix_orders_external_ref"):
        assert "IS NOT NULL" in definitions[name], definitions[name]
    for name in ("ix_orders_status", "ix_orders_channel", "ix_orders_total"):
        assert "WHERE" not in definitions[name].upper(), definitions[name]
