"""order_stats: counts by status, revenue and top items for today / 7 / 30 days, row-scoped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from orderdesk.analytics.service import Stats, order_stats
from orderdesk.container import Container
from orderdesk.core.permissions import Principal, Role
from orderdesk.db.types import utcnow
from orderdesk.orders.models import Order
from tests.factories import free_line, make_order, make_order_type, make_unit, set_created_at

SYSTEM = Principal.system()


async def order(
    container: Container,
    *,
    age: timedelta,
    status: str = "pending",
    lines: list[dict[str, str]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    row = await make_order(container, lines=lines or [free_line()], **fields)
    await set_created_at(container, Order, row["id"], utcnow() - age)
    async with container.write_sessions() as session:
        await session.execute(update(Order).where(Order.id == row["id"]).values(status=status))
        await session.commit()
    return row


async def stats(container: Container, principal: Principal = SYSTEM) -> Stats:
    async with container.read_sessions() as session:
        return await order_stats(session, principal=principal, now=utcnow())


@pytest.fixture
async def shop(container: Container) -> None:
    await make_order_type(container)


@pytest.mark.usefixtures("shop")
async def test_orders_fall_into_today_seven_and_thirty_day_windows(container: Container) -> None:
    now = utcnow()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    await order(container, age=now - midnight)  # the first moment of today (UTC)
    await order(container, age=now - midnight + timedelta(seconds=1), status="accepted")
    await order(container, age=timedelta(days=20), status="completed")
    await order(container, age=timedelta(days=40), status="completed")

    result = await stats(container)

    assert [p.key for p in result.periods] == ["today", "7d", "30d"]
    assert result.period("today").by_status == {"pending": 1}
    assert result.period("7d").orders == 2
    assert result.period("30d").orders == 3
    assert result.period("30d").by_status == {"accepted": 1, "completed": 1, "pending": 1}


@pytest.mark.usefixtures("shop")
async def test_revenue_excludes_cancelled_and_rejected_orders(container: Container) -> None:
    await order(container, age=timedelta(hours=1), lines=[free_line("A", "2", "100")])
    await order(container, age=timedelta(hours=1), lines=[free_line("B", "1", "50")])
    await order(
        container, age=timedelta(hours=1), status="cancelled", lines=[free_line("C", "1", "999")]
    )
    await order(
        container, age=timedelta(hours=1), status="rejected", lines=[free_line("D", "1", "999")]
    )

    week = (await stats(container)).period("7d")

    assert week.orders == 4
    assert week.revenue == {"RUB": Decimal("250")}
    assert week.by_status["cancelled"] == 1


@pytest.mark.usefixtures("shop")
async def test_top_items_are_ranked_by_amount(container: Container) -> None:
    await order(container, age=timedelta(hours=2), lines=[free_line("Роза", "10", "150")])
    await order(
        container,
        age=timedelta(hours=2),
        lines=[free_line("Роза", "5", "150"), free_line("Тюльпан", "3", "90")],
    )
    await order(container, age=timedelta(hours=2), lines=[free_line("Лилия", "1", "500")])

    top = (await stats(container)).period("7d").top_items

    assert [(t.name, t.quantity, t.amount, t.orders) for t in top] == [
        ("Роза", Decimal("15"), Decimal("2250"), 2),
        ("Лилия", Decimal("1"), Decimal("500"), 1),
        ("Тюльпан", Decimal("3"), Decimal("270"), 1),
    ]


@pytest.mark.usefixtures("shop")
async def test_staff_see_only_their_units_orders(container: Container) -> None:
    north = await make_unit(container, "north", "Северный")
    south = await make_unit(container, "south", "Южный")
    await order(container, age=timedelta(hours=1), unit_id=north["id"])
    await order(container, age=timedelta(hours=1), unit_id=south["id"])
    await order(container, age=timedelta(hours=1), unit_id=south["id"])

    staff = Principal(user_id=99, role=Role.staff, unit_id=north["id"])

    assert (await stats(container, staff)).period("7d").orders == 1
    assert (await stats(container)).period("7d").orders == 3


async def test_an_empty_database_gives_zeroes(container: Container) -> None:
    result = await stats(container)
    for period in result.periods:
        assert (period.orders, period.by_status, period.revenue, period.top_items) == (
            0,
            {},
            {},
            [],
        )


async def test_today_starts_at_local_midnight_of_the_given_zone(container: Container) -> None:
    from zoneinfo import ZoneInfo

    now = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # 04:30 in Moscow
    async with container.read_sessions() as session:
        result = await order_stats(session, principal=SYSTEM, now=now, tz=ZoneInfo("Europe/Moscow"))
    assert result.period("today").since == datetime(2026, 11, 25, 21, 0, tzinfo=UTC)
    assert result.period("7d").since == now - timedelta(days=7)
