"""Hot-path reads: one plan per statement shape, the right rows for every set of values."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, cast

import pytest
from sqlalchemy import String, Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from orderdesk.audit import service as audit
from orderdesk.audit.models import AuditEntry
from orderdesk.catalog.models import Item
from orderdesk.container import Container
from orderdesk.db.query import (
    PreparedWrite,
    _combined,
    _sourced_sql,
    bound,
    fetch_all,
    fetch_one,
    write_all,
)
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


# Writes run together (write_all): one round trip on PostgreSQL, each value in its own place.

_RENAME = PreparedWrite(
    update(cast(Table, Item.__table__)).where(Item.__table__.c.id == bindparam("item_id")),
    ("name", "price"),
)


async def test_writes_run_together_land_in_their_own_tables_with_their_own_values(
    container: Container,
) -> None:
    type_id = (await make_item_type(container))["id"]
    item = await make_item(container, type_id, sku="W-1", name="Before", price="1.00")

    async with container.write_sessions() as session:
        await write_all(
            session,
            [
                _EVENTS.write(**_event("d-1", 1)),
                _RENAME.write(item_id=item["id"], name="Ромашка", price=Decimal("12.50")),
                audit.entry(action="test.together", actor=None, entity_id=item["id"]),
                _EVENTS.write(**_event("d-2", 2)),
            ],
        )
        await session.commit()

    async with container.read_sessions() as session:
        renamed = await fetch_one(
            session, select(Item.name, Item.price).where(Item.id == item["id"])
        )
        entry = await fetch_one(
            session,
            select(AuditEntry.entity_id).where(AuditEntry.action == "test.together"),
        )
    assert renamed == {"name": "Ромашка", "price": Decimal("12.50")}
    assert entry == {"entity_id": str(item["id"])}
    assert [row["event_id"] for row in await _stored_events(container)] == ["d-1", "d-2"]


async def test_writes_run_together_that_break_a_constraint_raise_integrity_error_and_keep_nothing(
    container: Container,
) -> None:
    async with container.write_sessions() as session:
        with pytest.raises(IntegrityError):
            await write_all(
                session, [_EVENTS.write(**_event("e-1")), _EVENTS.write(**_event("e-1"))]
            )
        await session.rollback()
    async with container.write_sessions() as session:
        await write_all(session, [_EVENTS.write(**_event("e-2")), _EVENTS.write(**_event("e-3"))])
        await session.rollback()

    assert await _stored_events(container) == []


async def test_writes_run_together_are_one_statement_on_postgresql(container: Container) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("one statement is PostgreSQL's data-modifying CTEs; SQLite runs them in turn")
    statements: list[str] = []

    def log(record: Any) -> None:
        statements.append(record.query)

    async with container.write_sessions() as session:
        conn = await session.connection()
        driver = (await conn.get_raw_connection()).driver_connection
        driver.add_query_logger(log)
        try:
            await write_all(
                session, [_EVENTS.write(**_event("f-1")), audit.entry(action="t", actor=None)]
            )
        finally:
            driver.remove_query_logger(log)
        await session.rollback()

    writes = [sql for sql in statements if "INSERT" in sql]
    assert len(writes) == 1
    assert writes[0].startswith("WITH w0 AS (INSERT INTO outbox_events")


def test_combined_statements_renumber_placeholders_and_refuse_literals() -> None:
    combined = _combined(
        ["INSERT INTO a (x, y) VALUES ($1, $2)", "UPDATE b SET z = $1 WHERE id = $2"]
    )

    assert combined == (
        "WITH w0 AS (INSERT INTO a (x, y) VALUES ($1, $2)) UPDATE b SET z = $3 WHERE id = $4"
    )
    assert _combined(["INSERT INTO a (x) VALUES ('$1')", "DELETE FROM b WHERE id = $1"]) is None


# A source for `write_all(source=…)`: an upsert that returns text built from the row it wrote.
_SOURCE = PreparedWrite(
    insert(cast(Table, Item.__table__))
    .values(name=bindparam("b_name"))
    .returning((bindparam("b_head", type_=String) + Item.__table__.c.sku).label("label")),
    ("item_type_id", "sku", "price"),
)


async def _write_with_source(
    container: Container, statements: list[str] | None = None
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    type_id = (await make_item_type(container))["id"]
    mark = "~MARK-0f3a9c"
    async with container.write_sessions() as session:
        driver = None
        if statements is not None:
            conn = await session.connection()
            driver = (await conn.get_raw_connection()).driver_connection
            driver.add_query_logger(lambda record: statements.append(record.query))
        item = await _item_row(session, type_id)
        taken = await write_all(
            session,
            [
                _RENAME.write(item_id=item, name=f"Ромашка {mark}", price=Decimal("3")),
                _EVENTS.write(
                    **{**_event("s-1"), "payload": {"nested": [f"№ {mark}!", 7], "plain": "x"}}
                ),
                audit.entry(action="test.sourced", actor=None, after={"label": mark}),
            ],
            source=_SOURCE.write(
                item_type_id=type_id, sku="SRC-1", price=Decimal("1"), b_name="s", b_head="Л-"
            ),
            marks={mark: "label"},
        )
        await session.commit()
    async with container.read_sessions() as session:
        stored = {
            "name": (await fetch_one(session, select(Item.name).where(Item.id == item)) or {})[
                "name"
            ],
            "payload": (
                await fetch_one(
                    session, select(OutboxEvent.payload).where(OutboxEvent.event_id == "s-1")
                )
                or {}
            )["payload"],
            "after": (
                await fetch_one(
                    session,
                    select(AuditEntry.after).where(AuditEntry.action == "test.sourced"),
                )
                or {}
            )["after"],
        }
    return taken, stored


async def _item_row(session: Any, type_id: int) -> int:
    row = await _SOURCE.one(
        session, item_type_id=type_id, sku="SRC-0", price=Decimal("1"), b_name="r", b_head=""
    )
    assert row is not None
    found = await fetch_one(session, select(Item.id).where(Item.sku == "SRC-0"))
    assert found is not None
    return int(found["id"])


async def test_writes_after_a_source_get_its_value_in_place_of_their_marks(
    container: Container,
) -> None:
    taken, stored = await _write_with_source(container)

    assert taken == {"label": "Л-SRC-1"}
    assert stored == {
        "name": "Ромашка Л-SRC-1",
        "payload": {"nested": ["№ Л-SRC-1!", 7], "plain": "x"},
        "after": {"label": "Л-SRC-1"},
    }


async def test_a_source_and_its_writes_are_one_statement_on_postgresql(
    container: Container,
) -> None:
    if container.engine.dialect.name != "postgresql":
        pytest.skip("one statement is PostgreSQL's data-modifying CTEs; SQLite runs them in turn")
    statements: list[str] = []

    taken, _ = await _write_with_source(container, statements)

    assert taken == {"label": "Л-SRC-1"}
    sourced = [sql for sql in statements if "SRC" in sql or "replace(" in sql]
    assert len(sourced) == 1
    assert sourced[0].startswith("WITH s AS (INSERT INTO items")
    assert sourced[0].count("replace(") == 3


def test_a_sourced_statement_replaces_only_the_arguments_that_hold_a_mark() -> None:
    sql = _sourced_sql(
        "INSERT INTO c (v) VALUES ($1) RETURNING v AS label",
        [
            "UPDATE a SET x = $1::VARCHAR, y = $2::JSONB WHERE id = $3",
            "INSERT INTO b (z) VALUES ($1)",
        ],
        [[("~m",), ("~m",), ()], [()]],
        {"~m": "label"},
    )

    mark = "replace($2::TEXT, $6::TEXT, (SELECT label FROM s))"
    assert sql == (
        "WITH s AS (INSERT INTO c (v) VALUES ($1) RETURNING v AS label), "
        f"w0 AS (UPDATE a SET x = {mark}::VARCHAR, "
        "y = replace($3::TEXT, $6::TEXT, (SELECT label FROM s))::JSONB WHERE id = $4), "
        "w1 AS (INSERT INTO b (z) VALUES ($5)) SELECT * FROM s"
    )


async def test_the_bound_connection_is_looked_up_again_in_each_new_transaction(
    container: Container,
) -> None:
    async with container.write_sessions() as session:
        first, _ = await bound(session)
        again, _ = await bound(session)
        await _EVENTS.one(session, **_event("g-1"))
        await session.commit()
        after_commit, _ = await bound(session)
        current = await session.connection()
        await _EVENTS.one(session, **_event("g-2"))
        await session.rollback()

    assert again is first
    assert after_commit is current
    assert after_commit is not first
    assert [row["event_id"] for row in await _stored_events(container)] == ["g-1"]
