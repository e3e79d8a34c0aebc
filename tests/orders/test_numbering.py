"""Order numbers: format checks, periods, rendering, and counters per order type."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select, update

from orderdesk.audit.models import AuditEntry
from orderdesk.container import Container
from orderdesk.core.errors import ValidationFailed
from orderdesk.db.query import bound, fetch_all, write_all
from orderdesk.orders import repository as repo
from orderdesk.orders import service as orders
from orderdesk.orders.models import Order, OrderCounter
from orderdesk.orders.numbering import (
    check_number_format,
    number_pattern,
    period_of,
    render_number,
)
from orderdesk.orders.schemas import OrderCreate
from orderdesk.realtime.models import OutboxEvent
from tests.factories import SYSTEM, free_line, make_order, make_order_type

MAY_7 = datetime(2026, 5, 7, 12, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("{year}-{seq:06d}", "2026-000042"),
        ("R-{yy}{month}-{seq:04d}", "R-2605-0042"),
        ("№{seq}", "№42"),
        ("{seq:>5}/{year}", "   42/2026"),
    ],
)
def test_render_number_fills_the_placeholders(fmt: str, expected: str) -> None:
    check_number_format(fmt)
    assert render_number(fmt, 42, MAY_7) == expected


@pytest.mark.parametrize(
    ("fmt", "period"),
    [("{seq}", ""), ("{year}-{seq}", "2026"), ("{yy}-{seq}", "2026"), ("{month}-{seq}", "2026-05")],
)
def test_counter_period_follows_the_coarsest_date_in_the_format(fmt: str, period: str) -> None:
    assert period_of(fmt, MAY_7) == period


@pytest.mark.parametrize(
    "fmt",
    [
        "{year}-0001",
        "{seq}-{branch}",
        "{seq:q}",
        "{}-{seq}",
        "{seq[0]}",
        "{month.upper}-{seq}",
        "{seq:>80}",
        "{seq",
    ],
)
def test_check_number_format_rejects_formats_that_cannot_number_orders(fmt: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_number_format(fmt)
    assert [e["field"] for e in caught.value.errors] == ["number_format"]


async def test_numbers_with_year_and_sequence_render_as_configured(
    container: Container, client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "request", number_format="R-{year}-{seq:05d}")
    body = {"order_type": "request", "lines": [free_line()]}
    numbers = [
        (await client.post("/api/v1/orders", json=body, headers=admin_headers)).json()["number"]
        for _ in range(3)
    ]
    year = datetime.now(UTC).year
    assert numbers == [f"R-{year}-00001", f"R-{year}-00002", f"R-{year}-00003"]


async def test_each_order_type_counts_its_own_numbers(container: Container) -> None:
    await make_order_type(container, "request", number_format="R-{seq}")
    await make_order_type(container, "booking", number_format="B-{seq}")
    created = [
        (await make_order(container, code))["number"]
        for code in ("request", "booking", "request", "booking", "booking")
    ]
    assert created == ["R-1", "B-1", "R-2", "B-2", "B-3"]


async def test_parallel_creations_across_two_types_get_consecutive_numbers_per_type(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "request", number_format="R-{seq:03d}")
    await make_order_type(container, "booking", number_format="B-{seq:03d}")
    bodies = [
        {"order_type": code, "lines": [free_line()]}
        for _ in range(20)
        for code in ("request", "booking")
    ]
    responses = await asyncio.gather(
        *(client.post("/api/v1/orders", json=body, headers=admin_headers) for body in bodies)
    )
    assert [r.status_code for r in responses] == [201] * 40
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == sorted(
        [f"R-{n:03d}" for n in range(1, 21)] + [f"B-{n:03d}" for n in range(1, 21)]
    )


@pytest.mark.parametrize(
    "fmt",
    [
        "{year}-{seq:06d}",
        "R-{yy}{month}-{seq:04d}",
        "№{seq}",
        "{seq:3}x",
        "ПРД-{seq:07}",
        "{seq:d}",
    ],
)
@pytest.mark.parametrize("seq", [1, 42, 999, 1000, 12_345_678])
def test_a_number_pattern_renders_as_the_format(fmt: str, seq: int) -> None:
    pattern = number_pattern(fmt, MAY_7)

    assert pattern is not None
    assert pattern.render(seq) == render_number(fmt, seq, MAY_7)
    assert pattern.casefold().render(seq) == render_number(fmt, seq, MAY_7).casefold()


@pytest.mark.parametrize(
    "fmt", ["{seq:>5}/{year}", "{seq}-{seq}", "{seq:x}", '"{seq}', "a\\{seq}", "{seq!r}", "\t{seq}"]
)
def test_formats_only_python_renders_have_no_pattern(fmt: str) -> None:
    assert number_pattern(fmt, MAY_7) is None


@pytest.mark.parametrize(
    ("fmt", "seq"),
    [("R-{year}-{seq:05d}", 7), ("R-{year}-{seq:05d}", 1_234_567), ("Ё{seq:4}я", 12), ("{seq}", 9)],
)
async def test_the_database_renders_a_number_as_python_does(
    container: Container, fmt: str, seq: int
) -> None:
    order_type = await make_order_type(container, "request", number_format=fmt)
    pattern = number_pattern(fmt, MAY_7)
    assert pattern is not None
    async with container.write_sessions() as session:
        for _ in range(2):  # the first takes 1 (insert), the next updates the counter
            await repo.next_number(session, order_type["id"], "p")
        await session.execute(
            update(OrderCounter).where(OrderCounter.period == "p").values(value=seq - 1)
        )
        dialect = (await bound(session))[0].dialect.name
        taken = await write_all(
            session, [], source=repo.number_write(dialect, order_type["id"], "p", pattern)
        )
        await session.rollback()

    expected = render_number(fmt, seq, MAY_7)
    assert taken == {"value": seq, "number": expected, "folded": expected.casefold()}


@pytest.mark.parametrize("fmt", ["ПРД-{year}-{seq:04d}", "ПРД-{seq:x}"])  # in SQL; in Python
async def test_the_number_reaches_the_response_history_event_audit_and_search(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str], fmt: str
) -> None:
    await make_order_type(container, "request", number_format=fmt)
    body = {"order_type": "request", "lines": [free_line()]}
    created = [
        (await client.post("/api/v1/orders", json=body, headers=admin_headers)).json()
        for _ in range(2)
    ]

    year = datetime.now(UTC).year
    numbers = [order["number"] for order in created]
    assert numbers == (
        [f"ПРД-{year}-0001", f"ПРД-{year}-0002"] if "year" in fmt else ["ПРД-1", "ПРД-2"]
    )
    async with container.read_sessions() as session:
        stored = await fetch_all(session, select(Order.number).order_by(Order.id))
        payloads = await fetch_all(
            session,
            select(OutboxEvent.payload)
            .where(OutboxEvent.type == "order.created")
            .order_by(OutboxEvent.id),
        )
        audits = await fetch_all(
            session,
            select(AuditEntry.after)
            .where(AuditEntry.action == "order.create")
            .order_by(AuditEntry.id),
        )
    assert [row["number"] for row in stored] == numbers
    assert [row["payload"]["number"] for row in payloads] == numbers
    assert [row["after"]["number"] for row in audits] == numbers
    found = await client.get(
        "/api/v1/orders", params={"q": numbers[1].lower()}, headers=admin_headers
    )
    assert [order["number"] for order in found.json()["items"]] == [numbers[1]]


async def test_two_creations_of_one_type_in_one_transaction_both_get_numbers(
    container: Container,
) -> None:
    await make_order_type(container, "request", number_format="R-{seq}")
    data = OrderCreate.model_validate({"order_type": "request", "lines": [free_line()]})

    async def create_two() -> list[str]:
        async with container.write_sessions() as session:
            made = [
                await orders.create_order(session=session, principal=SYSTEM, data=data)
                for _ in range(2)
            ]
            await session.commit()
        return [order["number"] for order in made]

    assert await asyncio.wait_for(create_two(), 10) == ["R-1", "R-2"]


async def test_creations_that_roll_back_or_fail_give_their_place_back(
    container: Container,
) -> None:
    await make_order_type(container, "request", number_format="R-{seq}")
    data = OrderCreate.model_validate({"order_type": "request", "lines": [free_line()]})

    async def roll_back() -> None:
        async with container.write_sessions() as session:
            await orders.create_order(session=session, principal=SYSTEM, data=data)
            await session.rollback()

    async def fail() -> None:
        async with container.write_sessions() as session:
            await orders.create_order(session=session, principal=SYSTEM, data=data)
            raise RuntimeError("the use case failed after the number was taken")

    async def all_of_them() -> dict[str, object]:
        for _ in range(4):  # more than the places a process lets through to the counter row
            await roll_back()
        for _ in range(4):
            with pytest.raises(RuntimeError):
                await fail()
        return await make_order(container, "request")

    # a place not given back would hold the next creation for the whole wait for a place
    made = await asyncio.wait_for(all_of_them(), 8)

    assert made["number"] == "R-1"  # nothing of the rolled-back creations is left
