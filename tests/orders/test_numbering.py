"""Order numbers: format checks, periods, rendering, and counters per order type."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest

from orderdesk.container import Container
from orderdesk.core.errors import ValidationFailed
from orderdesk.orders.numbering import check_number_format, period_of, render_number
from tests.factories import free_line, make_order, make_order_type

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
