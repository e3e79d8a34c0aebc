"""Order rules across orders: time-range bookings, one active request per item, stock."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import error_fields, label, make_item, make_item_type, make_order_type

MAY_1_10 = "2026-05-01T10:00:00+03:00"
MAY_1_12 = "2026-05-01T12:00:00+03:00"
MAY_1_14 = "2026-05-01T14:00:00+03:00"


@pytest.fixture
async def hall(container: Container) -> dict[str, Any]:
    return await make_item(container, (await make_item_type(container))["id"], name="Зал")


async def book(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    item: dict[str, Any],
    starts_at: str | None,
    ends_at: str | None,
) -> httpx.Response:
    body = {
        "order_type": "booking",
        "starts_at": starts_at,
        "ends_at": ends_at,
        "lines": [{"item_id": item["id"], "quantity": "1"}],
    }
    return await client.post("/api/v1/orders", json=body, headers=headers)


async def move(
    client: httpx.AsyncClient, headers: dict[str, str], order_id: int, to: str
) -> httpx.Response:
    url = f"/api/v1/orders/{order_id}/transitions"
    return await client.post(url, json={"to": to}, headers=headers)


async def test_booking_needs_both_ends_of_the_time_range(
    client: httpx.AsyncClient,
    container: Container,
    hall: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container, "booking", books_time_range=True)
    response = await book(client, admin_headers, hall, None, None)
    assert response.status_code == 422
    assert error_fields(response) == {"starts_at": "missing", "ends_at": "missing"}


async def test_booking_rejects_times_without_a_time_zone(
    client: httpx.AsyncClient,
    container: Container,
    hall: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container, "booking", books_time_range=True)
    response = await book(client, admin_headers, hall, "2026-05-01T10:00:00", MAY_1_12)
    assert error_fields(response) == {"starts_at": "timezone_required"}


@pytest.mark.parametrize("ends_at", [MAY_1_10, "2026-05-01T09:00:00+03:00"])
async def test_booking_must_end_after_it_starts(
    client: httpx.AsyncClient,
    container: Container,
    hall: dict[str, Any],
    admin_headers: dict[str, str],
    ends_at: str,
) -> None:
    await make_order_type(container, "booking", books_time_range=True)
    response = await book(client, admin_headers, hall, MAY_1_10, ends_at)
    assert error_fields(response) == {"ends_at": "time_range"}


async def test_overlapping_booking_of_the_same_item_is_a_conflict(
    client: httpx.AsyncClient,
    container: Container,
    hall: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container, "booking", books_time_range=True)
    assert (await book(client, admin_headers, hall, MAY_1_10, MAY_1_12)).status_code == 201
    # 08:30Z–09:30Z is 11:30–12:30 in Moscow: it overlaps although written in another zone.
    overlap = await book(
        client, admin_headers, hall, "2026-05-01T08:30:00Z", "2026-05-01T09:30:00Z"
    )
    assert overlap.status_code == 409
    inside = await book(client, admin_headers, hall, "2026-05-01T10:30:00+03:00", MAY_1_12)
    assert inside.status_code == 409


async def test_adjacent_bookings_and_other_items_do_not_conflict(
    client: httpx.AsyncClient,
    container: Container,
    hall: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container, "booking", books_time_range=True)
    other_hall = await make_item(container, hall["item_type_id"], name="Малый зал")
    assert (await book(client, admin_headers, hall, MAY_1_10, MAY_1_12)).status_code == 201
    assert (await book(client, admin_headers, hall, MAY_1_12, MAY_1_14)).status_code == 201
    assert (await book(client, admin_headers, other_hall, MAY_1_10, MAY_1_14)).status_code == 201


async def test_cancelled_booking_no_longer_blocks_the_slot(
    client: httpx.AsyncClient,
    container: Container,
    hall: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container, "booking", books_time_range=True)
    first = (await book(client, admin_headers, hall, MAY_1_10, MAY_1_12)).json()
    assert (await move(client, admin_headers, first["id"], "cancelled")).status_code == 200
    again = await book(client, admin_headers, hall, MAY_1_10, MAY_1_12)
    assert again.status_code == 201


async def test_moving_a_booking_onto_a_taken_slot_is_a_conflict(
    client: httpx.AsyncClient,
    container: Container,
    hall: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container, "booking", books_time_range=True)
    await book(client, admin_headers, hall, MAY_1_10, MAY_1_12)
    later = (await book(client, admin_headers, hall, MAY_1_12, MAY_1_14)).json()
    url = f"/api/v1/orders/{later['id']}"
    clash = await client.patch(url, json={"starts_at": MAY_1_10}, headers=admin_headers)
    assert clash.status_code == 409
    longer = await client.patch(
        url, json={"ends_at": "2026-05-01T15:00:00+03:00"}, headers=admin_headers
    )
    assert longer.status_code == 200


async def test_second_active_request_for_the_same_item_is_a_conflict_until_cancelled(
    client: httpx.AsyncClient,
    container: Container,
    hall: dict[str, Any],
    make_user: UserFactory,
    login: LoginFactory,
) -> None:
    await make_order_type(container, "request", one_active_per_item=True)
    customer = await login(await make_user("customer"))
    body = {"order_type": "request", "lines": [{"item_id": hall["id"], "quantity": "1"}]}
    first = await client.post("/api/v1/orders", json=body, headers=customer)
    assert first.status_code == 201
    second = await client.post("/api/v1/orders", json=body, headers=customer)
    assert second.status_code == 409
    assert "Зал" in second.json()["detail"]
    assert (await move(client, customer, first.json()["id"], "cancelled")).status_code == 200
    after_cancel = await client.post("/api/v1/orders", json=body, headers=customer)
    assert after_cancel.status_code == 201


async def test_one_active_request_rule_is_per_customer_and_per_item(
    client: httpx.AsyncClient,
    container: Container,
    hall: dict[str, Any],
    make_user: UserFactory,
    login: LoginFactory,
) -> None:
    await make_order_type(container, "request", one_active_per_item=True)
    other_item = await make_item(container, hall["item_type_id"], name="Беседка")
    alice = await login(await make_user("customer"))
    bob = await login(await make_user("customer"))

    def body(item: dict[str, Any]) -> dict[str, Any]:
        return {"order_type": "request", "lines": [{"item_id": item["id"], "quantity": "1"}]}

    assert (await client.post("/api/v1/orders", json=body(hall), headers=alice)).status_code == 201
    assert (await client.post("/api/v1/orders", json=body(hall), headers=bob)).status_code == 201
    other = await client.post("/api/v1/orders", json=body(other_item), headers=alice)
    assert other.status_code == 201


STOCK_WORKFLOW: dict[str, Any] = {
    "statuses": [{"code": c, "label": label(c)} for c in ("new", "issued", "returned", "lost")],
    "initial": "new",
    "terminal": ["returned", "lost"],
    "transitions": [
        {"from": "new", "to": "issued", "roles": ["admin"], "stock": "deduct"},
        {"from": "new", "to": "lost", "roles": ["admin"]},
        {"from": "issued", "to": "returned", "roles": ["admin"], "stock": "return"},
        {"from": "issued", "to": "lost", "roles": ["admin"]},
    ],
}


@pytest.fixture
async def bike(container: Container) -> dict[str, Any]:
    await make_order_type(container, "rental", workflow=STOCK_WORKFLOW)
    item_type = await make_item_type(container)
    return await make_item(container, item_type["id"], name="Велосипед", stock=Decimal(5))


async def rent(
    client: httpx.AsyncClient, headers: dict[str, str], item: dict[str, Any], *quantities: str
) -> httpx.Response:
    lines = [{"item_id": item["id"], "quantity": q} for q in quantities]
    body = {"order_type": "rental", "lines": lines}
    return await client.post("/api/v1/orders", json=body, headers=headers)


async def stock_of(client: httpx.AsyncClient, headers: dict[str, str], item: dict[str, Any]) -> str:
    response = await client.get(f"/api/v1/items/{item['id']}", headers=headers)
    return str(response.json()["stock"])


async def test_ordering_more_than_stock_is_a_conflict(
    client: httpx.AsyncClient, bike: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    assert (await rent(client, admin_headers, bike, "6")).status_code == 409
    assert (await rent(client, admin_headers, bike, "3", "3")).status_code == 409
    assert (await rent(client, admin_headers, bike, "5")).status_code == 201


async def test_deduct_transition_lowers_stock_and_return_restores_it(
    client: httpx.AsyncClient, bike: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    order = (await rent(client, admin_headers, bike, "2")).json()
    assert await stock_of(client, admin_headers, bike) == "5.00"
    assert (await move(client, admin_headers, order["id"], "issued")).status_code == 200
    assert await stock_of(client, admin_headers, bike) == "3.00"
    assert (await rent(client, admin_headers, bike, "4")).status_code == 409
    assert (await move(client, admin_headers, order["id"], "returned")).status_code == 200
    assert await stock_of(client, admin_headers, bike) == "5.00"


async def test_transition_without_stock_effect_leaves_stock_alone(
    client: httpx.AsyncClient, bike: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    order = (await rent(client, admin_headers, bike, "2")).json()
    await move(client, admin_headers, order["id"], "issued")
    await move(client, admin_headers, order["id"], "lost")
    assert await stock_of(client, admin_headers, bike) == "3.00"


async def test_deduct_beyond_remaining_stock_is_a_conflict_and_keeps_the_status(
    client: httpx.AsyncClient, bike: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    first = (await rent(client, admin_headers, bike, "4")).json()
    second = (await rent(client, admin_headers, bike, "3")).json()
    assert (await move(client, admin_headers, first["id"], "issued")).status_code == 200
    refused = await move(client, admin_headers, second["id"], "issued")
    assert refused.status_code == 409
    kept = await client.get(f"/api/v1/orders/{second['id']}", headers=admin_headers)
    assert kept.json()["status"] == "new"
    assert await stock_of(client, admin_headers, bike) == "1.00"


async def test_adding_or_growing_lines_beyond_stock_is_a_conflict(
    client: httpx.AsyncClient, bike: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    order = (await rent(client, admin_headers, bike, "3")).json()
    url = f"/api/v1/orders/{order['id']}/lines"
    extra = await client.post(
        url, json={"item_id": bike["id"], "quantity": "3"}, headers=admin_headers
    )
    assert extra.status_code == 409
    line_id = order["lines"][0]["id"]
    grown = await client.patch(f"{url}/{line_id}", json={"quantity": "6"}, headers=admin_headers)
    assert grown.status_code == 409
    fits = await client.post(
        url, json={"item_id": bike["id"], "quantity": "2"}, headers=admin_headers
    )
    assert fits.status_code == 201
    assert fits.json()["lines"][-1]["quantity"] == "2.00"


async def test_editing_an_issued_order_moves_only_the_difference_in_stock(
    client: httpx.AsyncClient, bike: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    order = (await rent(client, admin_headers, bike, "2")).json()
    assert (await move(client, admin_headers, order["id"], "issued")).status_code == 200
    url = f"/api/v1/orders/{order['id']}/lines"
    line_id = order["lines"][0]["id"]
    grown = await client.patch(f"{url}/{line_id}", json={"quantity": "4"}, headers=admin_headers)
    assert grown.status_code == 200
    assert await stock_of(client, admin_headers, bike) == "1.00"
    too_many = await client.patch(f"{url}/{line_id}", json={"quantity": "6"}, headers=admin_headers)
    assert too_many.status_code == 409
    assert (await client.delete(f"{url}/{line_id}", headers=admin_headers)).status_code == 200
    assert await stock_of(client, admin_headers, bike) == "5.00"


async def test_return_without_a_prior_deduction_does_not_create_stock(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    workflow = {
        "statuses": [{"code": c, "label": label(c)} for c in ("new", "cancelled")],
        "initial": "new",
        "terminal": ["cancelled"],
        "transitions": [{"from": "new", "to": "cancelled", "roles": ["admin"], "stock": "return"}],
    }
    await make_order_type(container, "loan", workflow=workflow)
    item_type = await make_item_type(container)
    ball = await make_item(container, item_type["id"], name="Мяч", stock=Decimal(5))
    body = {"order_type": "loan", "lines": [{"item_id": ball["id"], "quantity": "2"}]}
    order = (await client.post("/api/v1/orders", json=body, headers=admin_headers)).json()
    assert (await move(client, admin_headers, order["id"], "cancelled")).status_code == 200
    assert await stock_of(client, admin_headers, ball) == "5.00"
