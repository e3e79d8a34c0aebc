"""Naive datetimes are read in the import's time zone (option, else profile, else UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import select

from orderdesk.container import Container
from orderdesk.orders.models import Order
from orderdesk.transfer.importing import seams
from tests.factories import make_order_type
from tests.transfer.importing.helpers import commit_and_wait, import_rows, upload

pytestmark = pytest.mark.usefixtures("worker")
ROWS = [
    ["№ заказа", "Дата", "Наименование", "Кол-во", "Цена"],
    ["V-1", "01.12.2024 10:30", "Кофе", "1", "100"],
    ["V-2", "2024-12-01T10:30:00+05:00", "Чай", "1", "50"],
]


async def created(container: Container) -> dict[str, datetime]:
    async with container.read_sessions() as session:
        orders = (await session.scalars(select(Order).order_by(Order.id))).all()
    return {order.number: order.created_at for order in orders}


async def test_moscow_wall_clock_times_land_three_hours_earlier_in_utc_and_offsets_are_kept(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "request")

    done = await import_rows(
        client, container, admin_headers, ROWS,
        target="orders", type="request", timezone="Europe/Moscow",
    )  # fmt: skip

    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert await created(container) == {
        "V-1": datetime(2024, 12, 1, 7, 30, tzinfo=UTC),
        "V-2": datetime(2024, 12, 1, 5, 30, tzinfo=UTC),
    }


async def test_without_a_zone_naive_times_are_utc(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "request")

    await import_rows(client, container, admin_headers, ROWS[:2], target="orders", type="request")

    assert await created(container) == {"V-1": datetime(2024, 12, 1, 10, 30, tzinfo=UTC)}


async def test_a_profiles_zone_applies_when_the_import_names_none(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, "request")
    profile = await client.post(
        "/api/v1/imports/profiles",
        json={
            "name": "Вендинг", "target": "orders", "type": "request", "headers": ROWS[0],
            "mapping": {"number": "№ заказа", "created_at": "Дата", "line_name": "Наименование",
                        "quantity": "Кол-во", "unit_price": "Цена"},
            "timezone": "Europe/Moscow",
        },
        headers=admin_headers,
    )  # fmt: skip
    assert profile.status_code == 201, profile.text
    uploaded = await upload(client, admin_headers, ROWS[:2])

    shown = await client.post(
        f"/api/v1/imports/{uploaded.json()['id']}/preview",
        json={"target": "orders"},
        headers=admin_headers,
    )

    assert profile.json()["timezone"] == "Europe/Moscow"
    assert shown.status_code == 200, shown.text
    assert shown.json()["profile"]["name"] == "Вендинг"
    assert shown.json()["timezone"] == "Europe/Moscow"
    done = await commit_and_wait(
        client, container, admin_headers, uploaded.json()["id"], target="orders"
    )
    assert done["status"] == "succeeded", (done["error"], done["report"])
    assert await created(container) == {"V-1": datetime(2024, 12, 1, 7, 30, tzinfo=UTC)}


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../etc/passwd", "+03:00"])
async def test_an_unknown_zone_is_refused_naming_the_field(
    client: httpx.AsyncClient, admin_headers: dict[str, str], zone: str
) -> None:
    uploaded = await upload(client, admin_headers, ROWS)

    response = await client.post(
        f"/api/v1/imports/{uploaded.json()['id']}/preview",
        json={"target": "orders", "timezone": zone},
        headers=admin_headers,
    )

    assert response.status_code == 422
    assert "timezone" in response.text


def test_naive_values_take_the_zone_only_inside_the_block() -> None:
    with seams.naive_datetimes_in(seams.time_zone("Europe/Moscow")):
        inside = seams.parse_datetime("01.07.2024 12:00")
    outside = seams.parse_datetime("01.07.2024 12:00")

    assert inside == datetime(2024, 7, 1, 9, 0, tzinfo=UTC)
    assert outside == datetime(2024, 7, 1, 12, 0, tzinfo=UTC)
