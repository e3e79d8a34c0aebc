"""Hot-path reads: one plan per statement shape, the right rows for every set of values."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from orderdesk.catalog.models import Item
from orderdesk.container import Container
from orderdesk.db.query import fetch_all, fetch_one
from tests.factories import make_item, make_item_type


async def test_the_same_select_shape_with_other_values_returns_each_its_own_rows(
    container: Container,
) -> None:
    type_id = (await make_item_type(container))["id"]
    for n, price in enumerate(("1.50", "20.00", "300.25")):
        await make_item(container, type_id, sku=f"Q-{n}", name=f"Q {n}", price=price)

    async with container.read_sessions() as session:
        answers = [
            await fetch_all(
                session,
                select(Item.sku, Item.price).where(Item.price >= Decimal(bound)).order_by(Item.sku),
            )
            for bound in ("0", "10", "100", "1000")
        ]

    assert [[row["sku"] for row in rows] for rows in answers] == [
        ["Q-0", "Q-1", "Q-2"],
        ["Q-1", "Q-2"],
        ["Q-2"],
        [],
    ]
    assert answers[0][2]["price"] == Decimal("300.25")


async def test_shapes_without_a_plan_still_answer_in_lists_and_locking_reads(
    container: Container,
) -> None:
    type_id = (await make_item_type(container))["id"]
    ids = [
        (await make_item(container, type_id, sku=f"L-{n}", name=f"L {n}"))["id"] for n in range(3)
    ]

    async with container.write_sessions() as session:
        listed = await fetch_all(session, select(Item.id).where(Item.id.in_(ids[:2])))
        locked = await fetch_one(
            session, select(Item.sku).where(Item.id == ids[2]).with_for_update()
        )
        await session.rollback()

    assert sorted(row["id"] for row in listed) == ids[:2]
    assert locked == {"sku": "L-2"}
