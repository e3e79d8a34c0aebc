"""Creating orders: line snapshots, totals, and every kind of bad input named by field."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from orderdesk.container import Container
from tests.conftest import LoginFactory, UserFactory
from tests.factories import (
    error_fields,
    free_line,
    label,
    make_item,
    make_item_type,
    make_order_type,
    make_unit,
)


async def post_order(
    client: httpx.AsyncClient, headers: dict[str, str], **fields: Any
) -> httpx.Response:
    body = {"order_type": "request", **fields}
    return await client.post("/api/v1/orders", json=body, headers=headers)


@pytest.fixture
async def rose(container: Container) -> dict[str, Any]:
    item_type = await make_item_type(container)
    return await make_item(
        container,
        item_type["id"],
        sku="ROSE",
        name="Роза",
        price=Decimal("150"),
        measure_unit="стебель",
    )


async def test_item_lines_snapshot_sku_name_unit_and_price(
    client: httpx.AsyncClient,
    container: Container,
    rose: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container)
    response = await post_order(
        client, admin_headers, lines=[{"item_id": rose["id"], "quantity": "2"}]
    )
    assert response.status_code == 201, response.text
    order = response.json()
    await client.patch(
        f"/api/v1/items/{rose['id']}",
        json={"name": "Роза новая", "price": "999", "sku": "ROSE-2"},
        headers=admin_headers,
    )
    line = (await client.get(f"/api/v1/orders/{order['id']}", headers=admin_headers)).json()[
        "lines"
    ][0]
    assert (line["sku"], line["name"], line["measure_unit"]) == ("ROSE", "Роза", "стебель")
    assert (line["unit_price"], line["amount"], line["item_id"]) == ("150.00", "300.00", rose["id"])
    assert (order["status"], order["total"], order["version"]) == ("pending", "300.00", 1)


async def test_staff_may_override_item_price_and_name_on_a_line(
    client: httpx.AsyncClient,
    container: Container,
    rose: dict[str, Any],
    make_user: UserFactory,
    login: LoginFactory,
) -> None:
    await make_order_type(container)
    staff = await login(await make_user("staff"))
    line = {"item_id": rose["id"], "quantity": "1", "unit_price": "99.5", "name": "Роза (уценка)"}
    response = await post_order(client, staff, lines=[line])
    assert response.status_code == 201, response.text
    saved = response.json()["lines"][0]
    assert (saved["name"], saved["unit_price"], saved["sku"]) == ("Роза (уценка)", "99.50", "ROSE")


async def test_totals_with_vat_included_keep_the_total(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, vat_rate=Decimal(20), prices_include_vat=True)
    response = await post_order(client, admin_headers, lines=[free_line(unit_price="120")])
    order = response.json()
    assert (order["subtotal"], order["vat_amount"], order["total"]) == ("120.00", "20.00", "120.00")


async def test_totals_with_vat_on_top_add_it(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, vat_rate=Decimal(20), prices_include_vat=False)
    response = await post_order(client, admin_headers, lines=[free_line(unit_price="120")])
    order = response.json()
    assert (order["subtotal"], order["vat_amount"], order["total"]) == ("120.00", "24.00", "144.00")


async def test_line_amount_uses_coefficient_and_rounds_half_up(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    lines = [
        free_line("Лента", quantity="3", unit_price="0.335"),
        {**free_line("Срочно", unit_price="100"), "coefficient": "1.25"},
    ]
    order = (await post_order(client, admin_headers, lines=lines)).json()
    assert [line["amount"] for line in order["lines"]] == ["1.01", "125.00"]
    assert order["total"] == "126.01"


async def test_free_form_line_needs_a_name_and_a_price(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    lines = [{"name": "Без цены", "quantity": "1"}, {"quantity": "1", "unit_price": "5"}]
    response = await post_order(client, admin_headers, lines=lines)
    assert response.status_code == 422
    assert error_fields(response) == {
        "lines.0.item_id": "line_needs_item_or_name",
        "lines.1.item_id": "line_needs_item_or_name",
    }


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        ("0", "greater_than"),
        ("-1", "greater_than"),
        ("1000000.0001", "less_than_equal"),
        ("1e9", "less_than_equal"),
        ("много", "decimal_parsing"),
        ("0.00001", "decimal_max_places"),
    ],
)
async def test_bad_quantity_names_the_line(
    client: httpx.AsyncClient,
    container: Container,
    admin_headers: dict[str, str],
    quantity: str,
    code: str,
) -> None:
    await make_order_type(container)
    lines = [free_line(), free_line(quantity=quantity)]
    response = await post_order(client, admin_headers, lines=lines)
    assert response.status_code == 422
    assert error_fields(response) == {"lines.1.quantity": code}


async def test_unknown_order_type_names_order_type(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    response = await post_order(client, admin_headers, order_type="nope", lines=[free_line()])
    assert error_fields(response) == {"order_type": "not_found"}


async def test_inactive_order_type_cannot_take_orders(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container, active=False)
    response = await post_order(client, admin_headers, lines=[free_line()])
    assert error_fields(response) == {"order_type": "not_found"}


async def test_unknown_item_names_the_lines_item_id(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    lines = [free_line(), {"item_id": 999_999, "quantity": "1"}]
    response = await post_order(client, admin_headers, lines=lines)
    assert error_fields(response) == {"lines.1.item_id": "not_found"}


async def test_archived_item_cannot_be_ordered(
    client: httpx.AsyncClient,
    container: Container,
    rose: dict[str, Any],
    admin_headers: dict[str, str],
) -> None:
    await make_order_type(container)
    await client.post(
        f"/api/v1/items/{rose['id']}/archive", json={"reason": "x"}, headers=admin_headers
    )
    response = await post_order(
        client, admin_headers, lines=[{"item_id": rose["id"], "quantity": "1"}]
    )
    assert error_fields(response) == {"lines.0.item_id": "item_archived"}


async def test_item_in_another_currency_cannot_be_ordered(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    item_type = await make_item_type(container)
    euro = await make_item(container, item_type["id"], currency="EUR")
    response = await post_order(
        client, admin_headers, lines=[{"item_id": euro["id"], "quantity": "1"}]
    )
    assert error_fields(response) == {"lines.0.item_id": "currency_mismatch"}


async def test_unknown_field_inside_a_line_is_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    response = await post_order(client, admin_headers, lines=[{**free_line(), "discount": "10"}])
    assert error_fields(response) == {"lines.0.discount": "extra_forbidden"}


async def test_too_many_lines_are_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    response = await post_order(client, admin_headers, lines=[free_line()] * 501)
    assert response.status_code == 422
    assert error_fields(response) == {"lines": "too_long"}
    accepted = await post_order(client, admin_headers, lines=[free_line(unit_price="1")] * 500)
    assert accepted.status_code == 201
    assert accepted.json()["total"] == "500.00"


async def test_order_too_large_for_the_money_columns_is_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    line = free_line(quantity="1000000", unit_price="999999999999.99")
    response = await post_order(client, admin_headers, lines=[line])
    assert response.status_code == 422
    assert "lines.0.quantity" in error_fields(response)


async def test_order_attributes_must_match_the_order_types_schema(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    schema = [
        {"name": "address", "label": label("Адрес"), "required": True},
        {"name": "floor", "label": label("Этаж"), "type": "integer", "min": 1},
    ]
    await make_order_type(container, attribute_schema=schema)
    bad = await post_order(
        client, admin_headers, attributes={"floor": 0, "gift": True}, lines=[free_line()]
    )
    assert error_fields(bad) == {
        "attributes.address": "missing",
        "attributes.floor": "greater_than_equal",
        "attributes.gift": "extra_forbidden",
    }
    good = await post_order(
        client,
        admin_headers,
        attributes={"address": "Ленина, 1", "floor": "3"},
        lines=[free_line()],
    )
    assert good.json()["attributes"] == {"address": "Ленина, 1", "floor": 3}


async def test_customer_cannot_set_prices_or_free_form_lines(
    client: httpx.AsyncClient,
    container: Container,
    rose: dict[str, Any],
    make_user: UserFactory,
    login: LoginFactory,
) -> None:
    await make_order_type(container)
    customer = await login(await make_user("customer"))
    priced = {"item_id": rose["id"], "quantity": "1", "unit_price": "1"}
    response = await post_order(client, customer, lines=[priced])
    assert error_fields(response) == {"lines.0.unit_price": "customer_price"}
    discounted = {"item_id": rose["id"], "quantity": "1", "coefficient": "0.5"}
    response = await post_order(client, customer, lines=[discounted])
    assert error_fields(response) == {"lines.0.unit_price": "customer_price"}
    response = await post_order(client, customer, lines=[free_line()])
    assert error_fields(response) == {"lines.0.item_id": "missing"}
    ok = await post_order(client, customer, lines=[{"item_id": rose["id"], "quantity": "2"}])
    assert ok.json()["total"] == "300.00"


async def test_order_takes_the_unit_of_its_items(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    north = await make_unit(container)
    await make_order_type(container)
    item = await make_item(container, (await make_item_type(container))["id"], unit_id=north["id"])
    response = await post_order(
        client, admin_headers, lines=[{"item_id": item["id"], "quantity": "1"}]
    )
    assert response.json()["unit_id"] == north["id"]


async def test_external_reference_is_unique_per_source(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    ref = {"external_source": "shop", "external_ref": "A-1", "lines": [free_line()]}
    assert (await post_order(client, admin_headers, **ref)).status_code == 201
    assert (await post_order(client, admin_headers, **ref)).status_code == 409
    other_source = {**ref, "external_source": "market"}
    assert (await post_order(client, admin_headers, **other_source)).status_code == 201


async def test_lines_whose_sum_is_too_large_are_rejected(
    client: httpx.AsyncClient, container: Container, admin_headers: dict[str, str]
) -> None:
    await make_order_type(container)
    line = free_line(quantity="100", unit_price="600000000000")
    response = await post_order(client, admin_headers, lines=[line, line])
    assert response.status_code == 422
    assert error_fields(response) == {"lines": "amount_too_large"}
