"""Hot-path reads: one plan per statement shape, the right rows for every set of values."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

import pytest
from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from orderdesk.catalog.models import Item
from orderdesk.container import Container
from orderdesk.db.query import PreparedWrite, fetch_all, fetch_one
from orderdesk.realtime.models import OutboxEvent
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


# Hot-path writes (PreparedWrite): inside the session's transaction, defaults filled, errors typed.

_EVENTS = PreparedWrite(
    insert(cast(Table, OutboxEvent.__table__)).returning(
        OutboxEvent.__table__.c.id, OutboxEvent.__table__.c.payload
    ),
    ("event_id", "type", "aggregate_type", "aggregate_id", "payload"),
)


def _event(event_id: str, n: int = 0) -> dict[str, object]:
    return {
        "event_id": event_id,
        "type": "test.written",
        "aggregate_type": "test",
        "aggregate_id": str(n),
        "payload": {"n": n, "text": "привет"},
    }


async def _stored_events(container: Container) -> list[dict[str, object]]:
    async with container.read_sessions() as session:
        return await fetch_all(
            session,
            select(OutboxEvent.event_id, OutboxEvent.created_at, OutboxEvent.published_at)
            .where(OutboxEvent.type == "test.written")
            .order_by(OutboxEvent.event_id),
        )


async def test_prepared_writes_are_rolled_back_with_the_session(container: Container) -> None:
    async with container.write_sessions() as session:
        await _EVENTS.rows(session, [_event("a-1"), _event("a-2")])
        await session.rollback()

    assert await _stored_events(container) == []


async def test_prepared_writes_return_rows_in_order_and_fill_column_defaults(
    container: Container,
) -> None:
    async with container.write_sessions() as session:
        returned = await _EVENTS.rows(session, [_event(f"b-{n}", n) for n in range(3)])
        single = await _EVENTS.one(session, **_event("b-3", 3))
        await session.commit()

    assert [row["payload"]["n"] for row in returned] == [0, 1, 2]
    assert single is not None
    assert single["payload"] == {"n": 3, "text": "привет"}
    stored = await _stored_events(container)
    assert [row["event_id"] for row in stored] == ["b-0", "b-1", "b-2", "b-3"]
    assert all(row["created_at"] is not None and row["published_at"] is None for row in stored)


async def test_a_prepared_write_that_breaks_a_constraint_raises_integrity_error(
    container: Container,
) -> None:
    async with container.write_sessions() as session:
        await _EVENTS.one(session, **_event("c-1"))
        with pytest.raises(IntegrityError):
            await _EVENTS.one(session, **_event("c-1"))
        await session.rollback()

    assert await _stored_events(container) == []
