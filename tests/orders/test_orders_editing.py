"""Editing orders: fields and lines, recomputed totals, versions, change history, deletion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import error_fields, free_line, label, make_order, make_order_type


@pytest.fixture
async def order(container: Container) -> dict[str, Any]:
    schema = [{"name": "address", "label": label("Адрес")}]
    await make_order_type(
        container, vat_rate=Decimal(20), prices_include_vat=False, attribute_schema=schema
    )
    return await make_order(container, lines=[free_line("Букет", "2", "100")])


async def test_patch_note_and_attributes_bumps_version_and_records_changes(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/orders/{order['id']}"
    first = await client.patch(url, json={"note": "Позвонить заранее"}, headers=admin_headers)
    assert first.status_code == 200, first.text
    assert (first.json()["note"], first.json()["version"]) == ("Позвонить заранее", 2)
    assert first.headers["etag"] == 'W/"2"'
    second = await client.patch(
        url,
        json={"note": "Не звонить", "attributes": {"address": "Ленина, 1"}},
        headers=admin_headers,
    )
    assert second.json()["attributes"] == {"address": "Ленина, 1"}
    history = (await client.get(f"{url}/history", headers=admin_headers)).json()
    changes = [(c["field"], c["kind"], c["old_value"], c["new_value"]) for c in history["changes"]]
    assert changes == [
        ("note", "filled", "", "Позвонить заранее"),
        ("attributes", "filled", {}, {"address": "Ленина, 1"}),
        ("note", "changed", "Позвонить заранее", "Не звонить"),
    ]
    assert [e["kind"] for e in history["events"]] == ["created", "updated", "updated"]


async def test_patch_attributes_breaking_the_schema_names_the_attribute(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    response = await client.patch(
        f"/api/v1/orders/{order['id']}", json={"attributes": {"floor": 3}}, headers=admin_headers
    )
    assert error_fields(response) == {"attributes.floor": "extra_forbidden"}


async def test_replacing_lines_recomputes_totals(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    assert order["total"] == Decimal("240.00")
    lines = [free_line("Розы", "3", "50"), free_line("Лента", "1", "10")]
    response = await client.patch(
        f"/api/v1/orders/{order['id']}", json={"lines": lines}, headers=admin_headers
    )
    body = response.json()
    assert [line["name"] for line in body["lines"]] == ["Розы", "Лента"]
    assert (body["subtotal"], body["vat_amount"], body["total"]) == ("160.00", "32.00", "192.00")
    assert body["version"] == 2


async def test_replacing_lines_with_a_bad_line_names_it_and_keeps_the_old_ones(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/orders/{order['id']}"
    lines = [free_line(), free_line(quantity="0")]
    response = await client.patch(url, json={"lines": lines}, headers=admin_headers)
    assert error_fields(response) == {"lines.1.quantity": "greater_than"}
    kept = (await client.get(url, headers=admin_headers)).json()
    assert [line["name"] for line in kept["lines"]] == ["Букет"]


async def test_patch_with_stale_if_match_is_refused(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/orders/{order['id']}"
    await client.patch(url, json={"note": "a"}, headers=admin_headers)
    stale = await client.patch(
        url, json={"note": "b"}, headers={**admin_headers, "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    assert (await client.get(url, headers=admin_headers)).json()["note"] == "a"


async def test_editing_an_order_in_a_terminal_status_is_a_conflict(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/orders/{order['id']}"
    await client.post(f"{url}/transitions", json={"to": "cancelled"}, headers=admin_headers)
    assert (await client.patch(url, json={"note": "x"}, headers=admin_headers)).status_code == 409
    added = await client.post(f"{url}/lines", json=free_line(), headers=admin_headers)
    assert added.status_code == 409


async def test_adding_a_line_recomputes_totals(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    response = await client.post(
        f"/api/v1/orders/{order['id']}/lines",
        json=free_line("Открытка", "1", "50"),
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert [(line["name"], line["position"]) for line in body["lines"]] == [
        ("Букет", 0),
        ("Открытка", 1),
    ]
    assert (body["subtotal"], body["total"], body["version"]) == ("250.00", "300.00", 2)


async def test_changing_a_line_recomputes_its_amount_and_the_totals(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    line_id = order["lines"][0]["id"]
    response = await client.patch(
        f"/api/v1/orders/{order['id']}/lines/{line_id}",
        json={"quantity": "3", "coefficient": "0.5"},
        headers=admin_headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["lines"][0]["amount"] == "150.00"
    assert (body["subtotal"], body["total"]) == ("150.00", "180.00")


async def test_removing_a_line_recomputes_totals(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    order = await make_order(container, lines=[free_line("A", "1", "10"), free_line("B", "1", "5")])
    first = order["lines"][0]["id"]
    response = await client.delete(
        f"/api/v1/orders/{order['id']}/lines/{first}", headers=admin_headers
    )
    assert response.status_code == 200
    assert [line["name"] for line in response.json()["lines"]] == ["B"]
    assert response.json()["total"] == "5.00"


async def test_unknown_line_is_not_found(
    client: httpx.AsyncClient,
    container: Container,
    order: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    other = await make_order(container)
    foreign_line = other["lines"][0]["id"]
    url = f"/api/v1/orders/{order['id']}/lines"
    changed = await client.patch(
        f"{url}/{foreign_line}", json={"quantity": "5"}, headers=admin_headers
    )
    assert changed.status_code == 404
    assert (await client.delete(f"{url}/999999", headers=admin_headers)).status_code == 404
    untouched = await client.get(f"/api/v1/orders/{other['id']}", headers=admin_headers)
    assert untouched.json()["lines"][0]["quantity"] == "1.00"


async def test_customers_cannot_edit_even_their_own_orders(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    await make_order_type(container)
    customer = await make_user("customer")
    order = await make_order(container, customer_id=customer.id)
    response = await client.patch(
        f"/api/v1/orders/{order['id']}", json={"note": "x"}, headers=await login(customer)
    )
    assert response.status_code == 403


async def test_manager_deletes_an_order_but_staff_may_not(
    client: httpx.AsyncClient, container: Container, make_user: UserFactory, login: LoginFactory
) -> None:
    await make_order_type(container)
    order = await make_order(container)
    url = f"/api/v1/orders/{order['id']}"
    staff = await login(await make_user("staff"))
    assert (await client.delete(url, headers=staff)).status_code == 403
    manager = await login(await make_user("manager"))
    assert (await client.delete(url, headers=manager)).status_code == 204
    assert (await client.get(url, headers=manager)).status_code == 404


async def test_changing_a_line_to_an_amount_too_large_is_rejected(
    client: httpx.AsyncClient, order: dict[str, Any], admin_headers: dict[str, str]
) -> None:
    url = f"/api/v1/orders/{order['id']}/lines/{order['lines'][0]['id']}"
    response = await client.patch(
        url, json={"quantity": "1000000", "unit_price": "999999999999"}, headers=admin_headers
    )
    assert response.status_code == 422
    assert error_fields(response) == {"quantity": "amount_too_large"}
